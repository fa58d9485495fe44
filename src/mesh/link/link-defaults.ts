import { DEFAULT_MAX_FRAME_BYTES } from '../wire/frame-decoder.js';

/** What a link uses where `MeshModuleOptions` say nothing. */
export const LINK_DEFAULTS = {
  port: 7222,
  bind: '0.0.0.0',
  encryption: 'starttls-optional',
  livenessTimeoutMs: 3000,
  handshakeTimeoutMs: 10_000,
  requestTimeoutMs: 5000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  highWaterBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxHandlersInProgress: 1024,
  maxPendingHandshakes: 256,
  reconnectMinMs: 1000,
  reconnectMaxMs: 30_000,
  /**
   * Half of CallData's drift bound (60 s, src/calldata/clock/hybrid-clock.ts): a linked peer's
   * stamps then stay at least 30 s inside what CallData accepts from the future, leaving room for
   * the measurement's error and for drift between pings, so no change of a linked node is ever
   * refused as future-stamped. Any NTP-synchronised pair is milliseconds apart; a node off by
   * this much has no time synchronisation at all.
   */
  maxClockOffsetMs: 30_000,
} as const;
