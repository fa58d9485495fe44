/** Why a license token is not in force. */
export type LicenseProblem =
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'malformed'
  | 'missing-claim'
  | 'no-public-key'
  | 'evaluation-expired';

/** A token that cannot be in force; maps to HTTP 400 at the controller. */
export class LicenseError extends Error {
  constructor(
    readonly problem: LicenseProblem,
    message: string,
  ) {
    super(message);
    this.name = 'LicenseError';
  }
}
