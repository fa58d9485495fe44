import type { ValueTransformer } from 'typeorm';

/** PostgreSQL `bigint` read as a JS bigint (the driver hands it over as a string). */
export const asBigInt: ValueTransformer = {
  to: (value: bigint | null | undefined) =>
    value === null || value === undefined ? value : value.toString(),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};

/** PostgreSQL `bigint` holding a sequence number, read as a JS number (safe below 2^53). */
export const asNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
