import { CallDataValidationError } from './calldata-validation.error.js';
import type { CallDataFieldChanges } from './calldata.js';

/** Bounds of what a `set` may carry; the same bounds hold for changes arriving from peers. */
export const CALLDATA_LIMITS = {
  /** Characters of a call linkage ID. */
  callLinkageIdLength: 128,
  /** Characters of a field name. */
  keyLength: 128,
  /** Characters of a field value. */
  valueLength: 4096,
  /** Fields in one `set`. */
  fieldsPerSet: 64,
} as const;

// No control characters: IDs and names end up in logs, headers and the admin page.
const PRINTABLE = /^[^\p{Cc}]+$/u;
// A surrogate without its partner is no Unicode text: PostgreSQL refuses to store it (22P02).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True for text PostgreSQL stores as given: well-formed UTF-16 without NUL (which `text` and `jsonb` refuse). */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** @throws CallDataValidationError naming the first bad part. */
export function checkCallLinkageId(callLinkageId: unknown): asserts callLinkageId is string {
  const max = CALLDATA_LIMITS.callLinkageIdLength;
  if (
    typeof callLinkageId !== 'string' ||
    callLinkageId.length === 0 ||
    callLinkageId.length > max ||
    !PRINTABLE.test(callLinkageId) ||
    !isStorableText(callLinkageId)
  ) {
    throw new CallDataValidationError(
      'callLinkageId',
      `callLinkageId must be 1 to ${max} characters without control characters or lone surrogates`,
    );
  }
}

/** @throws CallDataValidationError naming the first bad field. */
export function checkFieldChanges(fields: unknown): asserts fields is CallDataFieldChanges {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new CallDataValidationError('fields', 'fields must be an object of field names to strings or null');
  }
  const entries = Object.entries(fields);
  if (entries.length === 0 || entries.length > CALLDATA_LIMITS.fieldsPerSet) {
    throw new CallDataValidationError(
      'fields',
      `fields must have 1 to ${CALLDATA_LIMITS.fieldsPerSet} entries`,
    );
  }
  for (const [key, value] of entries) {
    if (key === '__proto__') {
      // Would set an object's prototype instead of a field wherever fields are plain objects.
      throw new CallDataValidationError('fields', 'fields: the name "__proto__" is reserved');
    }
    if (key.length > CALLDATA_LIMITS.keyLength || !PRINTABLE.test(key) || !isStorableText(key)) {
      throw new CallDataValidationError(
        'fields',
        `fields: the name ${JSON.stringify(key.slice(0, 40))} must be 1 to ${CALLDATA_LIMITS.keyLength} characters without control characters or lone surrogates`,
      );
    }
    if (value !== null && (typeof value !== 'string' || value.length > CALLDATA_LIMITS.valueLength)) {
      throw new CallDataValidationError(
        `fields.${key}`,
        `fields.${key} must be a string of at most ${CALLDATA_LIMITS.valueLength} characters, or null to remove it`,
      );
    }
    if (typeof value === 'string' && !isStorableText(value)) {
      throw new CallDataValidationError(
        `fields.${key}`,
        `fields.${key} must be Unicode text without NUL characters or lone surrogates`,
      );
    }
  }
}
