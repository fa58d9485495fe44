import { z } from 'zod';
import { isStamp } from '../clock/clock-sample.js';
import { ENCRYPTION_MODES } from '../link/encryption-mode.js';
import { ProtocolError } from '../wire/protocol.error.js';

/** First bytes a mesh peer sends; anything else is not a mesh peer. */
export const PROTOCOL_MAGIC = 'UCMESH';
/**
 * The protocol versions this build speaks. 1: hello, auth, ready (with optional clock stamps);
 * 2: the hello also names its lowest version (`minVersion`), and the auth after TLS carries the
 * sender's verdict on the receiver's certificate (`trusted`, covered by the password proof).
 */
export const PROTOCOL_VERSIONS = { min: 1, max: 2 } as const;
export const NONCE_BYTES = 32;

const bytes = (length: number) =>
  z.instanceof(Uint8Array).refine((b) => b.length === length, `must be ${length} bytes`);

const stamp = z.custom<number>(isStamp, 'must be a time in milliseconds since the epoch');

/**
 * Clock stamps (see clock-sample.ts). Optional for compatibility: a peer of a version without them
 * sends none, and then no offset is known and its clock is never refused.
 */
const clockSchema = z
  .strictObject({ transmit: stamp, origin: stamp.optional(), receive: stamp.optional() })
  .optional();

const helloSchema = z
  .strictObject({
    t: z.literal('hello'),
    magic: z.literal(PROTOCOL_MAGIC),
    /** The highest protocol version the sender speaks. */
    version: z.number().int().min(1).max(65535),
    /** The lowest; absent (as from a version-1 node) it is `version`. */
    minVersion: z.number().int().min(1).max(65535).optional(),
    nodeId: z.uuid(),
    /** New at every process start: tells a restarted peer's link from a stale one. */
    instanceId: z.uuid(),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    encryption: z.enum(ENCRYPTION_MODES),
    nonce: bytes(NONCE_BYTES),
    software: z.string().max(64),
    clock: clockSchema,
  })
  .refine((hello) => (hello.minVersion ?? hello.version) <= hello.version, {
    message: 'must not be above version',
    path: ['minVersion'],
  });

const authSchema = z.strictObject({
  t: z.literal('auth'),
  idProof: bytes(32),
  proof: bytes(32),
  /** The proof under the sender's previous key, during a password change's grace period. */
  previousProof: bytes(32).optional(),
  clock: clockSchema,
  /** Protocol ≥ 2 over TLS: whether the sender trusts the receiver's certificate. */
  trusted: z.boolean().optional(),
});
const readySchema = z.strictObject({ t: z.literal('ready') });
const errorSchema = z.strictObject({
  t: z.literal('error'),
  reason: z.string().max(64),
  message: z.string().max(1024),
});

export type Hello = z.infer<typeof helloSchema>;
export type Auth = z.infer<typeof authSchema>;
export type HandshakeError = z.infer<typeof errorSchema>;
export type HandshakeMessage = Hello | Auth | z.infer<typeof readySchema> | HandshakeError;

const schemas = { hello: helloSchema, auth: authSchema, ready: readySchema, error: errorSchema } as const;

/**
 * Validates a decoded handshake frame.
 * @throws ProtocolError naming what is wrong.
 */
export function parseHandshakeMessage(value: unknown): HandshakeMessage {
  const type = (value as { t?: unknown } | null)?.t;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    throw new ProtocolError(`expected a handshake message, got ${describe(value)}`);
  }
  const result = schemas[type as keyof typeof schemas].safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ProtocolError(
      `malformed ${type}: ${issue?.path.join('.') || 'value'} ${issue?.message ?? ''}`.trim(),
    );
  }
  return result.data;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value;
  return Array.isArray(value) ? 'an array' : `an object without a known "t"`;
}
