import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { deriveMeshKey, type MeshKey } from '../handshake/mesh-key.js';
import {
  type Announcement,
  announcementTxt,
  deriveDiscoveryKey,
  DISCOVERY_WINDOW_MS,
  type DiscoveryKey,
  verifyAnnouncement,
} from './discovery-proof.js';

let meshKey: MeshKey;
let key: DiscoveryKey;
let otherMesh: DiscoveryKey;
let otherPassword: DiscoveryKey;

beforeAll(async () => {
  // scrypt is deliberately slow: derive each key once for the whole file.
  const [mine, mesh, password] = await Promise.all([
    deriveMeshKey('site-mesh', 'correct horse battery staple'),
    deriveMeshKey('other-mesh', 'correct horse battery staple'),
    deriveMeshKey('site-mesh', 'a different password'),
  ]);
  meshKey = mine;
  key = deriveDiscoveryKey(mine);
  otherMesh = deriveDiscoveryKey(mesh);
  otherPassword = deriveDiscoveryKey(password);
});

const NOW = Date.UTC(2025, 5, 1, 12, 0, 10);
const self: Announcement = { nodeId: randomUUID(), host: 'pbx-1.example.lan', port: 7222 };

/** The record as a receiver gets it from dns-packet: one Buffer per entry. */
function received(txt: string[]): Buffer[] {
  return txt.map((entry) => Buffer.from(entry, 'utf8'));
}

function withEntry(txt: string[], name: string, value: string): string[] {
  return txt.map((entry) => (entry.startsWith(`${name}=`) ? `${name}=${value}` : entry));
}

describe('discovery key', () => {
  it('is neither handshake key, and differs per mesh ID and per password', () => {
    expect(key.length).toBe(32);
    expect(key.equals(meshKey.authKey)).toBe(false);
    expect(key.equals(meshKey.idKey)).toBe(false);
    expect(key.equals(otherMesh)).toBe(false);
    expect(key.equals(otherPassword)).toBe(false);
    expect(deriveDiscoveryKey(meshKey).equals(key)).toBe(true);
  });
});

describe('announcement TXT', () => {
  it('carries v, id, host, port, window and mac, and never the mesh ID', () => {
    const txt = announcementTxt(self, key, NOW);
    expect(txt.map((entry) => entry.split('=')[0])).toEqual(['v', 'id', 'host', 'port', 'w', 'mac']);
    expect(txt).toContain(`w=${Math.floor(NOW / DISCOVERY_WINDOW_MS)}`);
    expect(txt.join('\n')).not.toContain('site-mesh');
    for (const entry of txt) expect(Buffer.byteLength(entry)).toBeLessThanOrEqual(255);
  });

  it('refuses to announce a host that does not fit a TXT entry or a port out of range', () => {
    expect(() => announcementTxt({ ...self, host: 'a'.repeat(251) }, key, NOW)).toThrow(RangeError);
    expect(() => announcementTxt({ ...self, host: 'has space' }, key, NOW)).toThrow(RangeError);
    expect(() => announcementTxt({ ...self, port: 0 }, key, NOW)).toThrow(RangeError);
    expect(() => announcementTxt({ ...self, host: 'a'.repeat(250) }, key, NOW)).not.toThrow();
  });
});

describe('verifyAnnouncement', () => {
  it('accepts a record of its own mesh, from Buffers or strings, in any entry order', () => {
    const txt = announcementTxt(self, key, NOW);
    expect(verifyAnnouncement(received(txt), key, NOW)).toEqual(self);
    expect(verifyAnnouncement(txt, key, NOW)).toEqual(self);
    expect(verifyAnnouncement([...txt].reverse(), key, NOW)).toEqual(self);
  });

  it('rejects a record of another mesh ID, and one made with a wrong password', () => {
    expect(verifyAnnouncement(received(announcementTxt(self, otherMesh, NOW)), key, NOW)).toBeUndefined();
    expect(verifyAnnouncement(received(announcementTxt(self, otherPassword, NOW)), key, NOW)).toBeUndefined();
    // And the other way round: they do not accept ours.
    const ours = received(announcementTxt(self, key, NOW));
    expect(verifyAnnouncement(ours, otherMesh, NOW)).toBeUndefined();
    expect(verifyAnnouncement(ours, otherPassword, NOW)).toBeUndefined();
  });

  it.each([
    ['id', randomUUID()],
    ['host', 'attacker.example.lan'],
    ['port', '7223'],
    ['w', String(Math.floor(NOW / DISCOVERY_WINDOW_MS) + 1)],
    ['v', '2'],
    ['mac', 'A'.repeat(43)],
  ])('rejects a record whose %s was changed', (name, value) => {
    const txt = announcementTxt(self, key, NOW);
    expect(verifyAnnouncement(received(withEntry(txt, name, value)), key, NOW)).toBeUndefined();
  });

  it('accepts the neighbouring windows and rejects older or newer records', () => {
    const txt = received(announcementTxt(self, key, NOW));
    expect(verifyAnnouncement(txt, key, NOW + DISCOVERY_WINDOW_MS)).toEqual(self);
    expect(verifyAnnouncement(txt, key, NOW - DISCOVERY_WINDOW_MS)).toEqual(self);
    expect(verifyAnnouncement(txt, key, NOW + 2 * DISCOVERY_WINDOW_MS)).toBeUndefined();
    expect(verifyAnnouncement(txt, key, NOW - 2 * DISCOVERY_WINDOW_MS)).toBeUndefined();
  });

  it('rejects missing, repeated and extra-long entries', () => {
    const txt = announcementTxt(self, key, NOW);
    expect(
      verifyAnnouncement(
        txt.filter((entry) => !entry.startsWith('w=')),
        key,
        NOW,
      ),
    ).toBeUndefined();
    expect(verifyAnnouncement([...txt, 'host=other.lan'], key, NOW)).toBeUndefined();
    expect(verifyAnnouncement([...txt, `x=${'y'.repeat(300)}`], key, NOW)).toBeUndefined();
    expect(verifyAnnouncement([...txt, ...Array<string>(20).fill('x=1')], key, NOW)).toBeUndefined();
    expect(verifyAnnouncement(withEntry(txt, 'port', '07222'), key, NOW)).toBeUndefined();
  });

  it('never throws and never accepts garbage', () => {
    const entry = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc
        .tuple(fc.constantFrom('v', 'id', 'host', 'port', 'w', 'mac'), fc.string())
        .map(([k, v]) => `${k}=${v}`),
    );
    const txt = fc.oneof(fc.array(entry, { maxLength: 20 }), entry, fc.anything());
    fc.assert(
      fc.property(txt, fc.integer({ min: 0, max: 2 ** 45 }), (value, now) => {
        expect(verifyAnnouncement(value, key, now)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a valid record with any one value replaced', () => {
    const txt = announcementTxt(self, key, NOW);
    fc.assert(
      fc.property(fc.constantFrom('v', 'id', 'host', 'port', 'w', 'mac'), fc.string(), (name, value) => {
        const original = txt.find((entry) => entry.startsWith(`${name}=`));
        fc.pre(original !== `${name}=${value}`);
        expect(verifyAnnouncement(withEntry(txt, name, value), key, NOW)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects any single-byte change of a valid record', () => {
    const txt = received(announcementTxt(self, key, NOW));
    fc.assert(
      fc.property(
        fc.nat(txt.length - 1),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (index, offset, flip) => {
          const copy = txt.map((entry) => Buffer.from(entry));
          const target = copy[index];
          if (!target) throw new Error('no such entry');
          const at = offset % target.length;
          target[at] = (target[at] ?? 0) ^ flip;
          const result = verifyAnnouncement(copy, key, NOW);
          // Only a flip that changes nothing verified may pass: the letter case of a key name.
          if (result !== undefined) expect(result).toEqual(self);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
