import { createPrivateKey } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import { call, nodeList, untilLinked } from '../helpers/node-api.js';
import { freePort, NodeProcess, tempDataDir } from '../helpers/node-process.js';
import { until } from '../helpers/until.js';
import type { MeshNodeView } from '../../src/mesh/registry/mesh-node.js';

const OLD = 'the-old-password';
const NEW = 'the-new-password';
const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'rotation', MESH_PASSWORD: OLD };

interface Rotation {
  active: boolean;
  until: string | null;
  onNew: number;
  linked: number;
}

const running: NodeProcess[] = [];

async function start(port: number, peerPorts: number[], env: Record<string, string> = {}) {
  const node = await NodeProcess.start({
    ...MESH,
    DATA_DIR: await tempDataDir(),
    MESH_PORT: String(port),
    MESH_PEERS: peerPorts.map((p) => `127.0.0.1:${p}`).join(','),
    ...env,
  });
  running.push(node);
  return node;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop().catch(() => undefined)));
});

async function rotation(node: NodeProcess): Promise<Rotation> {
  const answer = await call(node, 'GET', '/api/mesh');
  expect(answer.status).toBe(200);
  return (answer.body as { passwordRotation: Rotation }).passwordRotation;
}

async function setSettings(node: NodeProcess, body: Record<string, unknown>): Promise<void> {
  const answer = await call(node, 'PUT', '/api/mesh/settings', body);
  expect(answer).toMatchObject({ status: 200 });
  expect(JSON.stringify(answer.body)).not.toContain(NEW);
}

/** "link up:" and "link down:" lines in a node's log: one per link adopted / lost since start. */
function linkEvents(node: NodeProcess): { up: number; down: number } {
  return {
    up: node.output.match(/link up: /g)?.length ?? 0,
    down: node.output.match(/link down: /g)?.length ?? 0,
  };
}

/** Each peer's link as `node` shows it: since when connected, and which password it proved. */
async function links(
  node: NodeProcess,
): Promise<Record<string, Pick<MeshNodeView['status'], 'state' | 'since' | 'lastConnectedAt' | 'password'>>> {
  const list = await nodeList(node);
  return Object.fromEntries(
    list.map((entry) => [
      entry.nodeId ?? entry.port,
      {
        state: entry.status.state,
        since: entry.status.since,
        lastConnectedAt: entry.status.lastConnectedAt,
        password: entry.status.password,
      },
    ]),
  );
}

describe('password rotation without a dropped link', () => {
  it('three linked nodes get a new password one after the other: no link goes down, all end on it, the old one is refused', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    // The evaluation's 2 links would turn the fourth node away before its password is checked.
    const vendor = generateVendorKeys();
    const license = {
      MESH_LICENSE: await issueLicenseToken(createPrivateKey(vendor.privateKey), {
        licensee: 'rotation test',
        connections: 4,
        validForMs: 3_600_000,
      }),
      MESH_LICENSE_PUBLIC_KEY: vendor.publicKey,
    };
    const nodes = await Promise.all(
      ports.map((port) =>
        start(
          port,
          ports.filter((p) => p !== port),
          license,
        ),
      ),
    );
    for (const node of nodes)
      await untilLinked(
        node,
        nodes.filter((n) => n !== node),
      );
    // (The tie-break of simultaneous dials may have replaced a first link already: counted from here.)
    const before = await Promise.all(nodes.map((node) => links(node)));
    const events = nodes.map(linkEvents);

    const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    await setSettings(a, { password: NEW });
    expect(await rotation(a)).toMatchObject({ active: true, onNew: 0, linked: 2 });
    // A's peers proved the old password only: its previous one.
    for (const peer of [b, c]) {
      const status = (await links(a))[peer.nodeId];
      expect(status).toMatchObject({ state: 'connected', password: 'previous' });
    }

    await setSettings(b, { password: NEW });
    await until('a sees b on the new password', async () => {
      const progress = await rotation(a);
      return progress.onNew === 1 && (await links(a))[b.nodeId]?.password === 'current'
        ? progress
        : undefined;
    });
    expect(await rotation(b)).toMatchObject({ active: true, onNew: 1, linked: 2 });

    await setSettings(c, { password: NEW });
    for (const node of nodes) {
      // Every linked node proved the new password: the rotation ends before its grace.
      await until(`${node.nodeId} done`, async () => {
        const progress = await rotation(node);
        return !progress.active ? progress : undefined;
      });
      expect(await rotation(node)).toEqual({ active: false, until: null, onNew: 2, linked: 2 });
      for (const [peer, status] of Object.entries(await links(node)))
        expect([peer, status.password]).toEqual([peer, 'current']);
    }

    // No link went down or came up again: the same links, since the same time.
    expect(nodes.map(linkEvents)).toEqual(events);
    const after = await Promise.all(nodes.map((node) => links(node)));
    after.forEach((view, i) => {
      for (const [peer, status] of Object.entries(view)) {
        expect(status.since).toBe(before[i]?.[peer]?.since);
        expect(status.lastConnectedAt).toBe(before[i]?.[peer]?.lastConnectedAt);
      }
    });

    // A fourth node on the old password is refused now that the rotation ended (A lists it, so it
    // is turned away for its password, not as an unknown node).
    const portD = await freePort();
    const d = await start(portD, [ports[0] as number], license);
    expect((await call(a, 'POST', '/api/mesh/nodes', { host: '127.0.0.1', port: portD })).status).toBe(201);
    await d.untilOutput(new RegExp(`link to 127\\.0\\.0\\.1:${ports[0]} failed: password-mismatch`));
    await until('a shows d refused for its password', async () => {
      const status = (await nodeList(a)).find((entry) => entry.port === portD)?.status;
      return status?.state === 'error' && status.reason === 'password-mismatch' ? status : undefined;
    });
  }, 300_000);

  it('keeps the grace across a restart, links a node not switched as "previous", and refuses it when the grace ends', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const dataDir = await tempDataDir();
    let a = await start(portA, [portB], { DATA_DIR: dataDir });
    const b = await start(portB, [portA]);
    await untilLinked(a, [b]);

    await setSettings(a, { password: NEW, passwordGraceMs: 3_600_000 });
    const during = await rotation(a);
    expect(during).toMatchObject({ active: true, onNew: 0, linked: 1 });

    await a.stop();
    running.splice(running.indexOf(a), 1);
    a = await start(portA, [portB], { DATA_DIR: dataDir });
    // The stored rotation is back, with the same end; b links again on the old password.
    await untilLinked(a, [b]);
    expect(await rotation(a)).toEqual({ ...during, linked: 1 });
    expect((await links(a))[b.nodeId]).toMatchObject({ state: 'connected', password: 'previous' });

    // A short grace from now: the old password stops, b's link goes with password-mismatch.
    await setSettings(a, { passwordGraceMs: 1 });
    await until('b refused by a', async () => {
      const status = (await nodeList(a)).find((entry) => entry.nodeId === b.nodeId)?.status;
      return status?.state === 'error' && status.reason === 'password-mismatch' ? status : undefined;
    });
    expect(await rotation(a)).toMatchObject({ active: false, until: null });
    await b.untilOutput(new RegExp(`link to 127\\.0\\.0\\.1:${portA} failed: password-mismatch`));
  }, 240_000);

  it('with a grace of 0 the old password stops at once, as before rotation existed', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await start(portA, [portB]);
    const b = await start(portB, [portA]);
    await untilLinked(a, [b]);

    await setSettings(a, { password: NEW, passwordGraceMs: 0 });
    expect(await rotation(a)).toMatchObject({ active: false, until: null });
    await b.untilOutput(new RegExp(`link down: 127\\.0\\.0\\.1:${portA} \\(${a.nodeId}\\): closed`));
    await b.untilOutput(new RegExp(`link to 127\\.0\\.0\\.1:${portA} failed: password-mismatch`));
  });
});
