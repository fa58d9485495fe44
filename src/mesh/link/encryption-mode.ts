/** Encryption setting of a clients network interface, as in the UC server's admin. */
export const ENCRYPTION_MODES = ['none', 'starttls-optional', 'starttls-required'] as const;
export type EncryptionMode = (typeof ENCRYPTION_MODES)[number];
