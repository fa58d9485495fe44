import { ValidateBy, type ValidationArguments } from 'class-validator';
import { checkFieldChanges } from '../../calldata/calldata-limits.js';
import type { CallDataFieldChanges } from '../../calldata/calldata.js';

/** Body of `PUT /api/calldata/:callLinkageId`. */
export class SetCallDataDto {
  /** A string sets a field, null removes it; fields not named stay. */
  @ValidateBy({
    name: 'isCallDataFields',
    validator: {
      validate: (value: unknown) => problemOf(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => problemOf(args?.value) ?? 'fields are invalid',
    },
  })
  fields!: CallDataFieldChanges;
}

/** The same check as `CallDataService.set`, so the API and the service say the same thing. */
function problemOf(value: unknown): string | undefined {
  try {
    checkFieldChanges(value);
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
}
