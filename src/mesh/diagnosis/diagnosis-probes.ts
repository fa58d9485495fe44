import { connect, type Socket } from 'node:net';
import type { Authenticated } from '../link/link-endpoint.js';
import { LinkFailure } from '../link/link-reason.js';
import type { AdvertisedAnswer, ProbeResult } from './diagnosis-rules.js';

/** A probe's connection attempt gives up after this: a diagnosis answers within seconds. */
export const PROBE_TIMEOUT_MS = 2000;

/** Opens a TCP connection to `host:port` and closes it at once; never rejects. */
export async function probeTcp(
  host: string,
  port: number,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  const dialled = await dial(host, port, timeoutMs);
  if (dialled.outcome === 'open') dialled.socket.destroy();
  return dialled.outcome === 'open' ? { outcome: 'open' } : dialled;
}

/**
 * Dials this node's advertised address and says hello as this node: the node itself refuses its
 * own hello (`self`); anyone else answers otherwise. Never rejects; the connection is closed.
 */
export async function probeAdvertised(
  host: string,
  port: number,
  handshake: (socket: Socket) => Promise<Authenticated>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<AdvertisedAnswer> {
  const dialled = await dial(host, port, timeoutMs);
  if (dialled.outcome !== 'open') return dialled;
  const { socket } = dialled;
  try {
    const authenticated = await handshake(socket);
    authenticated.connection.socket.destroy();
    return { outcome: 'other-node', nodeId: authenticated.connection.peer.nodeId };
  } catch (error: unknown) {
    if (error instanceof LinkFailure && error.reason === 'self') return { outcome: 'self' };
    // This node could not even say hello (no mesh ID and password yet): nothing was learned.
    if (error instanceof LinkFailure && error.reason === 'mesh-not-configured-local') {
      return { outcome: 'not-checked', reason: error.reason, detail: error.message };
    }
    // A mesh node that refused the hello for another reason is not this one either.
    const detail = error instanceof LinkFailure ? `${error.reason}: ${error.message}` : String(error);
    return { outcome: 'not-mesh', detail };
  } finally {
    socket.destroy();
  }
}

type Dialled = { outcome: 'open'; socket: Socket } | Exclude<ProbeResult, { outcome: 'open' }>;

function dial(host: string, port: number, timeoutMs: number): Promise<Dialled> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      done({ outcome: 'timeout', detail: `no TCP connection within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      done({ outcome: 'open', socket });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const refused = error.code === 'ECONNREFUSED';
      done({
        outcome: refused ? 'refused' : 'unreachable',
        detail: `${error.code ?? 'error'}: ${error.message}`,
      });
    });
  });
}
