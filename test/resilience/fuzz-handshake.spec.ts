import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Role } from '../../src/mesh/handshake/auth-proof.js';
import { PROTOCOL_MAGIC } from '../../src/mesh/handshake/handshake-messages.js';
import { deriveMeshKey, type MeshKey } from '../../src/mesh/handshake/mesh-key.js';
import { ENCRYPTION_MODES, type EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import { LINK_REASONS } from '../../src/mesh/link/link-reason.js';
import { decodeBody, encodeBody } from '../../src/mesh/wire/body-codec.js';
import { check, fuzzParameters, fuzzRuns } from './fuzz-runs.js';
import { exchange, type ExchangeResult, type InFlight } from './handshake-exchange.js';

const RUNS = fuzzRuns();
/** Places in a genuine exchange: dialer hello, acceptor hello, dialer auth, acceptor auth, ready. */
const PLACES = 5;
const KNOWN_REASONS = new Set<string>(LINK_REASONS);

let key: MeshKey;
let wrongPassword: MeshKey;
/** Encryption settings of the genuine exchanges recorded for replays. */
const RECORDED_SETTINGS = [
  ['none', 'none'],
  ['starttls-optional', 'starttls-optional'],
  ['none', 'starttls-optional'],
] as const;
/** Frames of earlier genuine exchanges under the same key, for replays. */
const recorded: InFlight[][] = [];

beforeAll(async () => {
  // scrypt is slow on purpose: derive once per file.
  [key, wrongPassword] = await Promise.all([
    deriveMeshKey('fuzz-mesh', 'fuzz-password'),
    deriveMeshKey('fuzz-mesh', 'not-the-password'),
  ]);
  for (const [dialer, acceptor] of RECORDED_SETTINGS) {
    const genuine = exchange({ keys: { dialer: key, acceptor: key }, modes: { dialer, acceptor } });
    if (!genuine.established.dialer || !genuine.established.acceptor) throw new Error('no genuine link');
    recorded.push(genuine.sent);
  }
});

const mode = fc.constantFrom<EncryptionMode>(...ENCRYPTION_MODES);

const field = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uuid(),
  fc.record({ transmit: fc.nat(), origin: fc.nat(), receive: fc.nat() }, { requiredKeys: ['transmit'] }),
  fc.constantFrom<unknown>(
    PROTOCOL_MAGIC,
    'hello',
    'auth',
    'ready',
    'error',
    ...ENCRYPTION_MODES,
    ...LINK_REASONS,
  ),
);

/** How a man in the middle rewrites one frame; each yields the frames that arrive instead. */
type Rewrite = (frame: InFlight) => Buffer[];

const rewrite: fc.Arbitrary<Rewrite> = fc.oneof(
  // Flip bits of one to three bytes.
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 })
    .map((flips): Rewrite => ({ body }) => {
      const copy = Buffer.from(body);
      for (const [at, bits] of flips) copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ bits;
      return [copy];
    }),
  // Cut the end off, or add bytes after it.
  fc
    .tuple(fc.nat(64), fc.uint8Array({ maxLength: 8 }))
    .map(([cut, extra]): Rewrite => ({ body }) => [
      Buffer.concat([body.subarray(0, Math.max(0, body.length - cut)), extra]),
    ]),
  // Decode, change, drop or add one property, encode again: a well-formed frame saying something else.
  fc
    .tuple(
      fc.oneof(
        fc.string({ maxLength: 10 }),
        fc.constantFrom(
          't',
          'encryption',
          'nonce',
          'nodeId',
          'version',
          'proof',
          'idProof',
          'magic',
          'port',
          'clock',
          '__proto__',
        ),
      ),
      fc.option(field),
    )
    .map(([name, value]): Rewrite => ({ body }) => {
      const decoded = { ...(decodeBody(body) as Record<string, unknown>) };
      // defineProperty, not `decoded[name] = value`: a name of "__proto__" must become a key on
      // the wire, not the prototype of the object being encoded.
      if (value === null) delete decoded[name];
      else
        Object.defineProperty(decoded, name, { value, enumerable: true, writable: true, configurable: true });
      return [encodeBody(decoded)];
    }),
  // Something else entirely, one to three frames of it.
  fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 96 }).map((bytes) => Buffer.from(bytes)),
        fc.dictionary(fc.string({ maxLength: 8 }), field, { maxKeys: 5 }).map((value) => encodeBody(value)),
        fc
          .record({
            t: fc.constantFrom('hello', 'auth', 'ready', 'error'),
            magic: fc.constant(PROTOCOL_MAGIC),
          })
          .chain((base) =>
            fc
              .dictionary(fc.string({ maxLength: 8 }), field, { maxKeys: 4 })
              .map((rest) => encodeBody({ ...rest, ...base })),
          ),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map(
      (bodies): Rewrite =>
        () =>
          bodies.map((bytes) => Buffer.from(bytes)),
    ),
  // A replay: the frame at this place of an earlier genuine handshake (same mesh key), or the one before it.
  fc
    .tuple(fc.nat(RECORDED_SETTINGS.length - 1), fc.boolean())
    .map(([which, previous]): Rewrite => ({ index }) => {
      const frames = recorded[which] ?? [];
      const replayed = frames[previous ? Math.max(0, index - 1) : index];
      return replayed ? [replayed.body] : [];
    }),
  // The frame twice.
  fc.constant<Rewrite>(({ body }) => [body, body]),
);

/**
 * Whether the frame that arrived means what was sent: the same bytes first (anything after them
 * is extra), or, for auth and ready, another encoding of the same value. Hellos are hashed byte
 * for byte into the transcript, so any change to them must fail.
 */
function harmless(place: number, original: Buffer, arrived: Buffer[]): boolean {
  const [first] = arrived;
  if (!first) return false;
  if (first.equals(original)) return true;
  if (place < 2) return false;
  try {
    return isDeepStrictEqual(decodeBody(first), decodeBody(original));
  } catch {
    return false;
  }
}

/** A relay needs TLS on both sides; `none` there stands for the optional setting. */
function tlsMode(mode: EncryptionMode): EncryptionMode {
  return mode === 'none' ? 'starttls-optional' : mode;
}

function checkReasons(result: ExchangeResult): void {
  for (const role of ['dialer', 'acceptor'] as const) {
    check(result.failed[role].length <= 1, `${role} failed ${result.failed[role].length} times`);
    for (const { failure } of result.failed[role]) {
      check(KNOWN_REASONS.has(failure.reason), `unknown reason ${failure.reason}`);
      check(typeof failure.message === 'string' && failure.message.length > 0, 'a failure without a message');
    }
    check(!(result.established[role] && result.failed[role].length > 0), `${role} both linked and failed`);
  }
}

describe(`the handshake under a man in the middle (${RUNS} cases per target)`, () => {
  it('a genuine exchange links in every encryption combination that allows it (the fuzz baseline)', () => {
    for (const dialer of ENCRYPTION_MODES) {
      for (const acceptor of ENCRYPTION_MODES) {
        const result = exchange({ keys: { dialer: key, acceptor: key }, modes: { dialer, acceptor } });
        const refused =
          (dialer === 'none') !== (acceptor === 'none') && [dialer, acceptor].includes('starttls-required');
        expect(result.established).toEqual({ dialer: !refused, acceptor: !refused });
        checkReasons(result);
      }
    }
  });

  /**
   * One target, four attackers: a man in the middle between two nodes of the mesh, a stranger
   * without the password dialling or being dialled (playing along with its own frames), and a
   * relay that runs a TLS session to each side (different exporters). Each rewrites one frame.
   */
  const attack = fc.record({
    attacker: fc.constantFrom('middle', 'stranger-dials', 'stranger-accepts', 'tls-relay'),
    dialerMode: mode,
    acceptorMode: mode,
    place: fc.nat(PLACES - 1),
    change: rewrite,
  });

  it('any frame at any state rewritten, cut, replaced, replayed or doubled: no throw, a reason, no link', () => {
    let noticed = 0;
    fc.assert(
      fc.property(attack, ({ attacker, dialerMode, acceptorMode, place, change }) => {
        const relay = attacker === 'tls-relay';
        const modes = relay
          ? { dialer: tlsMode(dialerMode), acceptor: tlsMode(acceptorMode) }
          : { dialer: dialerMode, acceptor: acceptorMode };
        const keys = {
          dialer: attacker === 'stranger-dials' ? wrongPassword : key,
          acceptor: attacker === 'stranger-accepts' ? wrongPassword : key,
        };
        let original: Buffer | undefined;
        let arrived: Buffer[] = [];
        const result = exchange({
          keys,
          modes,
          exporters: relay ? { dialer: randomBytes(32), acceptor: randomBytes(32) } : undefined,
          tamper: (frame) => {
            const rewritable =
              attacker === 'stranger-accepts'
                ? frame.from === 'acceptor'
                : attacker === 'stranger-dials'
                  ? frame.from === 'dialer'
                  : true;
            if (frame.index !== place || !rewritable) return [frame.body];
            original = frame.body;
            arrived = change(frame);
            return arrived;
          },
        });
        checkReasons(result);
        if (result.failed.dialer.length + result.failed.acceptor.length > 0) noticed++;
        else if (result.driverFailed.dialer || result.driverFailed.acceptor) noticed++;

        if (attacker !== 'middle') {
          // Without the password, or through two TLS sessions, nobody links, whatever was rewritten.
          const victims: Role[] = relay
            ? ['dialer', 'acceptor']
            : [attacker === 'stranger-dials' ? 'acceptor' : 'dialer'];
          for (const victim of victims)
            check(!result.established[victim], `the ${victim} linked with a ${attacker}`);
          return;
        }
        if (original === undefined || harmless(place, original, arrived)) return;
        // The side the frame was meant for never links on it; before the last frame neither does the other.
        const receiver: Role = place % 2 === 0 ? 'acceptor' : 'dialer';
        check(!result.established[receiver], `the ${receiver} linked on a tampered frame ${place}`);
        if (place < PLACES - 1) {
          check(
            !result.established.dialer && !result.established.acceptor,
            `linked after tampering with frame ${place}`,
          );
        }
      }),
      fuzzParameters(RUNS),
    );
    // Not vacuous: most attacks are noticed at once (the rest wait for the driver's time limit).
    expect(noticed).toBeGreaterThan(RUNS / 2);
  });
});
