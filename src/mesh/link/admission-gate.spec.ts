import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Hello } from '../handshake/handshake-messages.js';
import { Handshake, type HandshakeStep } from '../handshake/handshake.js';
import { deriveMeshKey, type MeshKey } from '../handshake/mesh-key.js';
import { AdmissionGate } from './admission-gate.js';
import { LinkFailure } from './link-reason.js';

let meshKey: MeshKey;
let wrongPassword: MeshKey;

beforeAll(async () => {
  [meshKey, wrongPassword] = await Promise.all([
    deriveMeshKey('site-mesh', 'the mesh password'),
    deriveMeshKey('site-mesh', 'a guess'),
  ]);
});

type Failed = Extract<HandshakeStep, { kind: 'failed' }>;

/**
 * One dial of a node with `key` at an acceptor whose admission is `gate` (over TCP: no TLS step),
 * as `LinkEndpoint` wires it; returns the acceptor's failure, if any.
 */
function dial(gate: AdmissionGate, key: MeshKey, nodeId = randomUUID()): Failed | undefined {
  const self = (port: number) => ({
    nodeId: port === 7001 ? nodeId : randomUUID(),
    instanceId: randomUUID(),
    host: '127.0.0.1',
    port,
    encryption: 'none' as const,
    software: 'uc-mesh/test',
  });
  const dialer = new Handshake({ role: 'dialer', self: self(7001), meshKey: key });
  const acceptor = new Handshake({
    role: 'acceptor',
    self: self(7002),
    meshKey,
    admit: (peer) => gate.admit(peer),
  });
  acceptor.start();
  const inFlight: { to: Handshake; body: Buffer }[] = [];
  let failed: Failed | undefined;
  const handle = (from: Handshake, steps: HandshakeStep[]) => {
    for (const step of steps) {
      if (step.kind === 'send') inFlight.push({ to: from === dialer ? acceptor : dialer, body: step.body });
      if (step.kind === 'failed' && from === acceptor) failed = step;
    }
  };
  handle(dialer, dialer.start());
  for (let n = 0; n < 20; n++) {
    const next = inFlight.shift();
    if (!next) break;
    handle(next.to, next.to.receive(next.body));
  }
  return failed;
}

describe('AdmissionGate: only nodes that proved the mesh password are remembered as refused', () => {
  it('a stranger with a wrong password, refused many times, leaves nothing to recall', () => {
    const gate = new AdmissionGate();
    let admitting = false;
    gate.add(10, () => (admitting ? undefined : new LinkFailure('not-known-remote', 'unknown node')));
    for (let n = 0; n < 100; n++) {
      expect(dial(gate, wrongPassword)?.failure.reason).toBe('password-mismatch');
    }
    admitting = true;
    expect(gate.recallAdmitted()).toEqual([]);
  });

  it('an authenticated refused node is recalled once it would be admitted, and only once', () => {
    const gate = new AdmissionGate();
    let admitting = false;
    gate.add(10, () => (admitting ? undefined : new LinkFailure('not-known-remote', 'unknown node')));
    const nodeId = randomUUID();
    const refused = dial(gate, meshKey, nodeId);
    expect(refused).toMatchObject({ refused: true, failure: { reason: 'not-known-remote' } });
    // Strangers after it do not push it out of the memory.
    for (let n = 0; n < 100; n++) dial(gate, wrongPassword);
    expect(gate.recallAdmitted()).toEqual([]);
    admitting = true;
    expect(gate.recallAdmitted().map((peer) => peer.nodeId)).toEqual([nodeId]);
    expect(gate.recallAdmitted()).toEqual([]);
  });

  it('a node remembered for its password is recalled once, and only when the gate admits it', () => {
    const gate = new AdmissionGate();
    let admitting = false;
    gate.add(10, () => (admitting ? undefined : new LinkFailure('disabled-remote', 'unchecked')));
    const peer = { nodeId: randomUUID(), host: '127.0.0.1', port: 7001 } as Hello;
    gate.passwordMismatch(peer);
    expect(gate.recallMismatched()).toEqual([]);
    admitting = true;
    expect(gate.recallMismatched()).toEqual([peer]);
    expect(gate.recallMismatched()).toEqual([]);
    // A refusal memory of its own: admission refusals are not recalled as mismatches.
    expect(gate.recallAdmitted()).toEqual([]);
  });
});
