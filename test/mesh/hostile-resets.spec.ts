import { describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { decodeBody } from '../../src/mesh/wire/body-codec.js';
import { FrameDecoder } from '../../src/mesh/wire/frame-decoder.js';
import { MeshSettingsService } from '../../src/mesh/settings/mesh-settings.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

/** Connects, writes `bytes`, and resets the connection (RST) without waiting for an answer. */
async function writeAndReset(node: MeshNode, bytes: Buffer): Promise<void> {
  const socket = connect(node.link.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((done) => socket.once('connect', done));
  socket.write(bytes);
  await new Promise((done) => setTimeout(done, 5));
  socket.resetAndDestroy();
}

/** Connects, writes `bytes`, and collects what the node answers until it closes the connection. */
async function answerTo(node: MeshNode, bytes: Buffer): Promise<unknown[]> {
  const socket: Socket = connect(node.link.port, '127.0.0.1');
  const decoder = new FrameDecoder();
  const answers: unknown[] = [];
  socket.on('data', (chunk: Buffer) => decoder.push(chunk).forEach((body) => answers.push(decodeBody(body))));
  socket.on('error', () => undefined);
  await new Promise<void>((done) => socket.once('connect', done));
  socket.write(bytes);
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the node did not close the connection')), 10_000);
    socket.once('close', () => (clearTimeout(timer), done()));
  });
  return answers;
}

describe('strangers that misbehave and vanish', () => {
  const cluster = meshCluster();

  it('a peer that sends garbage and resets the connection does not take the node down', async () => {
    const [a, b] = [await cluster.start(), await cluster.start()];
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');
    // Garbage, then resets: also past the point where the address is rate-limited.
    for (let i = 0; i < 30; i++) await writeAndReset(b, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await new Promise((done) => setTimeout(done, 200));
    await expect(a.link.send(b.nodeId, 'still.there', 1)).resolves.toBeUndefined();
    expect(b.link.isLinked(a.nodeId)).toBe(true);
  });

  it('reads no large frame before the peer has proved itself', async () => {
    const node = await cluster.start();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1024 * 1024, 0); // a 1 MiB "hello": far more than any handshake frame
    const [answer] = await answerTo(node, Buffer.concat([header, Buffer.alloc(64 * 1024)]));
    expect(answer).toMatchObject({ t: 'error', reason: 'protocol-error' });
    expect((answer as { message: string }).message).toContain('exceeds the maximum of 16384');
  });

  it('applies concurrent settings changes one after the other, losing none', async () => {
    const node = await cluster.start();
    const settings = node.app.get(MeshSettingsService);
    await Promise.all([
      settings.update({ password: 'changed-password' }),
      settings.update({ enabled: false }),
    ]);
    expect(settings.current.enabled).toBe(false);
    expect(node.named('mesh.deactivated')).toHaveLength(1);
  });
});
