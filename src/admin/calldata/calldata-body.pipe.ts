import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { type CallDataFieldChanges, checkFieldChanges } from '../../calldata/index.js';
import { errorMessage } from '../../common/describe-error.js';

/** Body of `PUT /api/calldata/:callLinkageId`. */
export interface SetCallDataBody {
  /** A string sets a field, null removes it; fields not named stay. */
  fields: CallDataFieldChanges;
}

/**
 * Checks the body with the same rules as `CallDataService.set`, answering 400 in the admin API's
 * `message: string[]` form. Not class-transformer: its copy of an object drops names such as
 * `constructor` or `toString`, which are field names like any other here.
 */
export class CallDataBodyPipe implements PipeTransform<unknown, SetCallDataBody> {
  transform(body: unknown): SetCallDataBody {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException(['body must be an object {fields}']);
    }
    const extra = Object.keys(body).filter((key) => key !== 'fields');
    if (extra.length > 0)
      throw new BadRequestException(extra.map((key) => `property ${key} should not exist`));
    const { fields } = body as { fields?: unknown };
    try {
      checkFieldChanges(fields);
    } catch (error: unknown) {
      throw new BadRequestException([errorMessage(error)]);
    }
    return { fields };
  }
}
