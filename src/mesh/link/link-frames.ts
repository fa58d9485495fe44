import { isStamp } from '../clock/clock-sample.js';
import { decodeBody, encodeFrame } from '../wire/body-codec.js';
import { ProtocolError } from '../wire/protocol.error.js';

/** Frame kinds on an established link; compact tuples `[kind, …]` keep per-message cost low. */
export const Kind = { Ping: 0, Message: 1, Request: 2, Reply: 3, Fault: 4, Close: 5 } as const;
type K = typeof Kind;

/**
 * A ping is `[Ping]` to a peer that sends no clock stamps; otherwise `[Ping, transmit]` before the
 * peer's first stamped message arrived and `[Ping, transmit, origin, receive]` after (see
 * clock-sample.ts): the stamps cost 9 bytes each and no extra frame.
 */
export type PingFrame = [K['Ping']] | [K['Ping'], number] | [K['Ping'], number, number, number];

export type LinkFrame =
  | PingFrame
  | [K['Message'], string, unknown]
  | [K['Request'], number, string, unknown]
  | [K['Reply'], number, unknown]
  | [K['Fault'], number, 'handler-failed' | 'no-handler', string]
  | [K['Close'], string, string];

const PING = encodeFrame([Kind.Ping]);

export const encodeLinkFrame = {
  ping: (stamps?: [transmit: number] | [transmit: number, origin: number, receive: number]): Buffer =>
    stamps ? encodeFrame([Kind.Ping, ...stamps]) : PING,
  message: (topic: string, payload: unknown): Buffer => encodeFrame([Kind.Message, topic, payload]),
  request: (id: number, topic: string, payload: unknown): Buffer =>
    encodeFrame([Kind.Request, id, topic, payload]),
  reply: (id: number, payload: unknown): Buffer => encodeFrame([Kind.Reply, id, payload]),
  fault: (id: number, code: 'handler-failed' | 'no-handler', message: string): Buffer =>
    encodeFrame([Kind.Fault, id, code, message]),
  close: (reason: string, message: string): Buffer => encodeFrame([Kind.Close, reason, message]),
};

/** @throws ProtocolError for anything that is not a well-formed link frame. */
export function decodeLinkFrame(body: Buffer): LinkFrame {
  const value = decodeBody(body);
  if (!Array.isArray(value)) throw new ProtocolError('link frame is not a tuple');
  const [kind, a, b, c] = value as unknown[];
  const fits =
    (kind === Kind.Ping && (value.length === 1 || isPingStamps(value))) ||
    (kind === Kind.Message && value.length === 3 && typeof a === 'string') ||
    (kind === Kind.Request && value.length === 4 && isId(a) && typeof b === 'string') ||
    (kind === Kind.Reply && value.length === 3 && isId(a)) ||
    (kind === Kind.Fault &&
      value.length === 4 &&
      isId(a) &&
      (b === 'handler-failed' || b === 'no-handler') &&
      typeof c === 'string') ||
    (kind === Kind.Close && value.length === 3 && typeof a === 'string' && typeof b === 'string');
  if (!fits) throw new ProtocolError(`malformed link frame of kind ${String(kind)}`);
  return value as LinkFrame;
}

function isPingStamps(value: unknown[]): boolean {
  return (value.length === 2 || value.length === 4) && value.slice(1).every(isStamp);
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
