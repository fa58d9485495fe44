import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Handshake } from '../../src/mesh/handshake/handshake.js';
import { deriveMeshKey } from '../../src/mesh/handshake/mesh-key.js';
import { driveHandshake, type EstablishedConnection } from '../../src/mesh/link/handshake-driver.js';
import type { LinkTarget } from '../../src/mesh/link/link-status.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/mesh/wire/frame-decoder.js';

/**
 * A mesh peer driven by hand: it authenticates like a node (plain TCP) and then leaves the
 * socket to the test — to stop reading, to send broken frames, to vanish.
 */
export async function connectRawPeer(
  target: LinkTarget,
  credentials = { meshId: 'test-mesh', password: 'test-password' },
  /** Who the peer claims to be; the same node ID with a new instance ID is a restarted node. */
  identity: { nodeId: string; instanceId: string } = { nodeId: randomUUID(), instanceId: randomUUID() },
  /** The address of 127.0.0.0/8 it dials from: the node counts failed handshakes per address. */
  localAddress?: string,
): Promise<EstablishedConnection & { nodeId: string }> {
  const socket = connect({ host: target.host, port: target.port, localAddress });
  await new Promise<void>((done, fail) => socket.once('connect', done).once('error', fail));
  const { nodeId, instanceId } = identity;
  const handshake = new Handshake({
    role: 'dialer',
    self: {
      nodeId,
      instanceId,
      host: '127.0.0.1',
      port: 1,
      encryption: 'none',
      software: 'raw-peer',
    },
    meshKey: await deriveMeshKey(credentials.meshId, credentials.password),
  });
  const connection = await driveHandshake(socket, {
    role: 'dialer',
    handshake,
    tls: undefined,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    timeoutMs: 5000,
  });
  return { ...connection, nodeId };
}
