import type { LicenseProblem } from './license.error.js';

/** The license in force, as `GET /api/license` shows it. */
export interface LicenseState {
  licensed: boolean;
  evaluation: boolean;
  licensee: string | null;
  /** Simultaneous mesh links allowed. */
  connections: number;
  expiresAt: string | null;
  reason?: LicenseProblem;
  message?: string;
}
