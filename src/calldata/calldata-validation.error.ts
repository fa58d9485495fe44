/** A call linkage ID or fields outside CALLDATA_LIMITS; the admin API answers 400 with the message. */
export class CallDataValidationError extends Error {
  constructor(
    /** The part at fault: `callLinkageId`, `fields` or `fields.<name>`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallDataValidationError';
  }
}
