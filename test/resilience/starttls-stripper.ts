import { decodeBody, encodeFrame } from '../../src/mesh/wire/body-codec.js';
import { frame, FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';
import { type ChunkRewrite, type Direction, RecordingProxy } from '../helpers/recording-proxy.js';

/** Which hellos the man in the middle rewrites to `encryption: 'none'`. */
export type Strip = 'none' | 'dialer' | 'acceptor' | 'both';

const SIDE: Record<Direction, 'dialer' | 'acceptor'> = { toTarget: 'dialer', fromTarget: 'acceptor' };

/**
 * A man in the middle on 127.0.0.1 that strips the STARTTLS offer: it rewrites the `encryption` of
 * the first frame (the hello) in the chosen directions to `none`, re-framed, and relays every other
 * byte as it is — also a TLS session, should both sides still start one.
 */
export class StartTlsStripper {
  private constructor(
    private readonly proxy: RecordingProxy,
    /** Hellos it rewrote, per direction. */
    readonly stripped: Record<'dialer' | 'acceptor', number>,
  ) {}

  static async start(targetPort: number, strip: Strip): Promise<StartTlsStripper> {
    const stripped = { dialer: 0, acceptor: 0 };
    const proxy = await RecordingProxy.start(targetPort, () => stripHellos(strip, stripped));
    return new StartTlsStripper(proxy, stripped);
  }

  get target(): { host: string; port: number } {
    return this.proxy.target;
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}

/** For one connection: the hello of each stripped side rewritten, everything else as it came. */
function stripHellos(strip: Strip, stripped: Record<'dialer' | 'acceptor', number>): ChunkRewrite {
  const waiting = new Map<Direction, FrameDecoder>();
  for (const direction of ['toTarget', 'fromTarget'] as const) {
    if (strip === 'both' || strip === SIDE[direction]) waiting.set(direction, new FrameDecoder());
  }
  return (chunk, direction) => {
    const decoder = waiting.get(direction);
    if (!decoder) return chunk;
    const [hello, ...rest] = decoder.push(chunk);
    if (!hello) return Buffer.alloc(0); // the hello is not complete yet
    waiting.delete(direction);
    stripped[SIDE[direction]]++;
    const changed = { ...(decodeBody(hello) as Record<string, unknown>), encryption: 'none' };
    // Whatever followed the hello in the same read goes on untouched.
    const pending = chunk.subarray(chunk.length - decoder.pendingBytes);
    return Buffer.concat([encodeFrame(changed), ...rest.map(frame), pending]);
  };
}
