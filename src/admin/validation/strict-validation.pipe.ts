import {
  type ArgumentMetadata,
  BadRequestException,
  type Type,
  ValidationPipe,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

/**
 * Nest's `ValidationPipe` for the admin API's bodies: every property the DTO does not declare is
 * refused by name (`property constructor should not exist`), prototype names included.
 *
 * `whitelist` alone misses names an object already has. Nest deletes `__proto__`, `constructor` and
 * `prototype` from the body before validating, and class-transformer does not copy a key whose
 * value on the new instance is a function (`toString`, `hasOwnProperty`, `valueOf`, …), so
 * class-validator never sees either kind. Hence the body's own keys are checked here first.
 * The bodies are flat: properties of nested objects are left to `whitelist`.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor(options: Omit<ValidationPipeOptions, 'whitelist' | 'forbidNonWhitelisted'> = {}) {
    super({ ...options, whitelist: true, forbidNonWhitelisted: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const extra =
      metadata.type === 'body' && metadata.metatype !== undefined && this.toValidate(metadata)
        ? undeclaredKeys(value, declaredProperties(metadata.metatype))
        : [];
    if (extra.length === 0) return super.transform(value, metadata);
    // The other properties' problems are reported with them, as for any other unknown key.
    const messages = extra.map((key) => `property ${key} should not exist`);
    try {
      await super.transform(value, metadata);
    } catch (error: unknown) {
      if (!(error instanceof BadRequestException)) throw error;
      messages.push(...messagesOf(error));
    }
    throw new BadRequestException([...new Set(messages)]);
  }
}

/**
 * The own keys of a plain JSON object that are not in `declared` (`__proto__` too, which
 * `JSON.parse` makes an own key); none for anything else, which the validation refuses itself.
 */
export function undeclaredKeys(body: unknown, declared: ReadonlySet<string>): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  return Object.keys(body).filter((key) => !declared.has(key));
}

/** The properties that carry a class-validator rule, the DTO's parents' included. */
function declaredProperties(metatype: Type): Set<string> {
  const rules = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
  return new Set(rules.map((rule) => rule.propertyName));
}

function messagesOf(error: BadRequestException): string[] {
  const response = error.getResponse();
  const message = typeof response === 'object' ? (response as { message?: unknown }).message : response;
  return (Array.isArray(message) ? message : [message]).filter(
    (item): item is string => typeof item === 'string',
  );
}
