import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import type { LinkReason } from '../../src/mesh/link/link-reason.js';
import { OnMeshMessage, type MeshMessageContext } from '../../src/mesh/link/on-mesh-message.decorator.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { MeshNode } from '../helpers/mesh-node.js';
import { meshCluster } from '../helpers/mesh-cluster.js';

/** Answers requests, so a test can tell a link that still carries traffic. */
@Injectable()
class EchoHandler {
  @OnMeshMessage('test.echo')
  echo(payload: unknown, context: MeshMessageContext): unknown {
    return { payload, from: context.fromNodeId };
  }
}

describe('authentication of mesh peers', () => {
  const cluster = meshCluster();

  const start = async (options: Partial<MeshModuleOptions> = {}): Promise<MeshNode> => {
    return cluster.start(options, [EchoHandler]);
  };

  const unconfigured: Partial<MeshModuleOptions> = { meshId: undefined, password: undefined };

  // Without certificate files each node generates its own pair: over TLS the mesh password, bound
  // to the TLS session, is what authenticates.
  describe.each<[string, EncryptionMode]>([
    ['tcp', 'none'],
    ['TLS', 'starttls-required'],
  ])('over %s', (_transport, encryption) => {
    it.each<[string, Partial<MeshModuleOptions>, LinkReason]>([
      ['the same mesh ID and another password', { password: 'not-the-password' }, 'password-mismatch'],
      ['another mesh ID and the same password', { meshId: 'another-mesh' }, 'mesh-id-mismatch'],
      ['another mesh ID and another password', { meshId: 'another-mesh', password: 'x' }, 'mesh-id-mismatch'],
    ])('%s fails with the precise reason on both sides', async (_case, dialerOptions, reason) => {
      const acceptor = await start({ encryption });
      const dialer = await start({ encryption, ...dialerOptions });
      dialer.link.connect(acceptor.target);

      const status = await dialer.untilStatus(acceptor.target, 'error', reason);
      expect(status.message).toEqual(expect.any(String));
      const [event] = await acceptor.until('the acceptor to report the failure', () => {
        const found = acceptor.inboundErrors(reason);
        return found.length > 0 ? found : undefined;
      });
      expect(event?.payload).toMatchObject({ direction: 'inbound', remoteAddress: '127.0.0.1', reason });
      expect(dialer.named('mesh.link.up')).toEqual([]);
      expect(acceptor.named('mesh.link.up')).toEqual([]);
    });

    it('links with the same mesh ID and password', async () => {
      const acceptor = await start({ encryption });
      const dialer = await start({ encryption });
      dialer.link.connect(acceptor.target);
      const status = await dialer.untilStatus(acceptor.target, 'connected');
      expect(status.transport).toBe(encryption === 'none' ? 'tcp' : 'tls');
      await expect(dialer.link.request(acceptor.nodeId, 'test.echo', 'hi')).resolves.toEqual({
        payload: 'hi',
        from: dialer.nodeId,
      });
    });
  });

  it('a node without mesh ID and password does not dial: mesh-not-configured-local', async () => {
    const acceptor = await start();
    const dialer = await start(unconfigured);
    dialer.link.connect(acceptor.target);

    const status = await dialer.untilStatus(acceptor.target, 'error', 'mesh-not-configured-local');
    expect(status.message).toEqual(expect.any(String));
    expect(dialer.named('mesh.link.up')).toEqual([]);
    expect(acceptor.link.linkedNodes()).toEqual([]);
  });

  it('a node without mesh ID and password refuses a dialler: mesh-not-configured-remote', async () => {
    const acceptor = await start(unconfigured);
    const dialer = await start();
    dialer.link.connect(acceptor.target);

    const status = await dialer.untilStatus(acceptor.target, 'error', 'mesh-not-configured-remote');
    expect(status.message).toEqual(expect.any(String));
    await acceptor.until('the acceptor to report the refusal', () =>
      acceptor.events.some((e) => e.name === 'mesh.link.error' && e.payload.direction === 'inbound'),
    );
    expect(dialer.named('mesh.link.up')).toEqual([]);
    expect(acceptor.named('mesh.link.up')).toEqual([]);
  });

  it('a disabled node accepts the TCP connection and refuses with mesh-disabled-remote', async () => {
    const acceptor = await start({ enabled: false });
    const dialer = await start();
    dialer.link.connect(acceptor.target);

    // The reason can only come from the disabled node itself: its interface listens and answers.
    const status = await dialer.untilStatus(acceptor.target, 'error', 'mesh-disabled-remote');
    expect(status.message).toEqual(expect.any(String));
    expect(dialer.named('mesh.link.up')).toEqual([]);
    expect(acceptor.named('mesh.link.up')).toEqual([]);
  });

  it('rate-limits an address after repeated failures, and keeps serving an existing link', async () => {
    const victim = await start();
    const friend = await start();
    friend.link.connect(victim.target);
    await friend.untilStatus(victim.target, 'connected');
    await victim.until('the inbound link at the victim', () => victim.link.isLinked(friend.nodeId));

    const attacker = await start({ password: 'guess-1234' });
    attacker.link.connect(victim.target);
    await attacker.untilStatus(victim.target, 'error', 'password-mismatch');
    // The attacker redials with backoff (200 ms to 1 s); ten failures take several seconds.
    const status = await attacker.until(
      'the attacker to be rate-limited',
      () => {
        const current = attacker.link.status(victim.target);
        return current?.reason === 'rate-limited' ? current : undefined;
      },
      30_000,
    );
    expect(status.state).toBe('error');
    // The victim allows ten failed handshakes per address and minute; later attempts are turned
    // away before a handshake, so they are not reported as failures.
    expect(victim.inboundErrors('password-mismatch')).toHaveLength(10);

    // Every test node connects from 127.0.0.1, so the friend is now blocked from dialling anew
    // just as the attacker is: the block is per address. What must hold is that links that were
    // authenticated before the attack keep working, both ways.
    for (let i = 0; i < 5; i++) {
      await expect(friend.link.request(victim.nodeId, 'test.echo', i)).resolves.toEqual({
        payload: i,
        from: friend.nodeId,
      });
      await expect(victim.link.request(friend.nodeId, 'test.echo', i)).resolves.toEqual({
        payload: i,
        from: victim.nodeId,
      });
    }
    expect(friend.link.status(victim.target)?.state).toBe('connected');
    expect(victim.events.filter((e) => e.name === 'mesh.link.down')).toEqual([]);
    expect(attacker.link.status(victim.target)?.reason).toBe('rate-limited');

    // The shared address in action: a newcomer with the right password is turned away too.
    const newcomer = await start();
    newcomer.link.connect(victim.target);
    await newcomer.untilStatus(victim.target, 'error', 'rate-limited');
    expect(victim.link.isLinked(newcomer.nodeId)).toBe(false);
  });
});
