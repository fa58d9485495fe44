/** A call-state change as a PBX publishes it: the payload of every benchmark message. */
export interface CallState {
  type: 'call.state';
  callId: string;
  from: string;
  to: string;
  state: 'ringing';
  ts: number;
}

export const CALL_STATE_TOPIC = 'call.state';
export const ECHO_TOPIC = 'call.echo';
export const BULK_TOPIC = 'bulk.part';
/** A 4 MiB message, just inside the default frame limit (`maxFrameBytes`). */
export const BULK_BYTES = 4 * 1024 * 1024 - 1024;
/** Every stack's requests: an answer must come within this. */
export const REQUEST_TIMEOUT_MS = 5_000;

const CALL_ID = '3f0c6a56-7a4e-4d7b-9f8e-2b1c0d4e5f60';
const BASE_TS = 1_732_500_000_000;

/** The `seq`-th message; only the timestamp changes from one message to the next. */
export function callState(seq: number): CallState {
  return {
    type: 'call.state',
    callId: CALL_ID,
    from: '+4989123456',
    to: '+4930654321',
    state: 'ringing',
    ts: BASE_TS + seq,
  };
}

export function isCallState(value: unknown): value is CallState {
  return (value as Partial<CallState> | null)?.type === 'call.state';
}
