import { isIP } from 'node:net';
import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';
import { ValidateBy, ValidateIf, type ValidationError, type ValidationOptions } from 'class-validator';
import { StrictValidationPipe } from '../validation/strict-validation.pipe.js';

/**
 * Validation of the mesh admin bodies: unknown properties are refused (prototype names included,
 * see `StrictValidationPipe`), nothing is coerced (a `"true"` string is not a boolean), and every
 * message starts with the property it is about, so a 400 answer is `{statusCode: 400, error: 'Bad Request', message: ['port must be …', …]}`.
 */
export function meshValidationPipe(): StrictValidationPipe {
  return new StrictValidationPipe({
    transform: true,
    // One message per property: the first rule it breaks.
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) => new BadRequestException(errors.flatMap(messagesOf)),
  });
}

/**
 * The bodies are flat, so each error is about one property. Messages of ours and class-validator's
 * name it already; Nest's own (a body that is an array: "Validation failed (object is expected)",
 * reported for `body`) get it put in front.
 */
function messagesOf(error: ValidationError): string[] {
  return Object.values(error.constraints ?? {}).map((message) =>
    message.includes(error.property) ? message : `${error.property}: ${message}`,
  );
}

/** `:id` of a node: a UUID, or a 400 naming `id` in the same format as a body's errors. */
export function nodeIdPipe(): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(['id must be a UUID']) });
}

/**
 * The property may be left out, but not sent as `null`: class-validator's `@IsOptional` would let
 * `null` through, and the settings have no "cleared" state for it to mean.
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'i');

/** A computer name (DNS labels, underscores allowed) or an IPv4/IPv6 address, 1–253 characters. */
export function isHost(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return false;
  if (isIP(value) !== 0) return true;
  // Dotted digits that are no IPv4 address (`300.1.1.1`, `1.2.3`) would be resolved as names.
  return HOST_NAME.test(value) && !/^[\d.]+$/.test(value);
}

export function IsHost(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isHost', validator: { validate: isHost } }, options);
}
