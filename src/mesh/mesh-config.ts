import { z } from 'zod';
import { ENCRYPTION_MODES, type EncryptionMode } from './link/encryption-mode.js';
import { DEFAULT_MAX_FRAME_BYTES } from './wire/frame-decoder.js';
import {
  functionOption,
  integerOption,
  numberOption,
  validateModuleOptions,
} from '../common/module-options.js';
import type { MeshModuleOptions } from './mesh-module.options.js';
import { PROTOCOL_VERSIONS } from './handshake/handshake-messages.js';
import { speakableRange, type VersionRange } from './handshake/protocol-version.js';

/**
 * Every default of the mesh, in one place (the standalone node's environment schema imports
 * them too). What `MeshModuleOptions` leaves out takes these values.
 */
export const MESH_DEFAULTS = {
  port: 7222,
  bind: '0.0.0.0',
  listen: true,
  enabled: true,
  encryption: 'starttls-optional' as EncryptionMode,
  discovery: true,
  /** Authenticated nodes not in the list are accepted and listed as discovered. */
  acceptUnknownPeers: true,
  discoveryIntervalMs: 5000,
  dataDir: 'data',
  livenessTimeoutMs: 3000,
  /** Idle-link probes a node opens per second over all its links (src/mesh/link/idle-probe.ts). */
  idleProbesPerSecond: 1,
  handshakeTimeoutMs: 10_000,
  requestTimeoutMs: 5000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  highWaterBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  backpressure: 'wait' as 'wait' | 'reject',
  maxHandlersInProgress: 1024,
  maxPendingHandshakes: 256,
  reconnectMinMs: 1000,
  reconnectMaxMs: 30_000,
  /**
   * Half of CallData's drift bound (60 s, src/calldata/clock/hybrid-clock.ts): a linked peer's
   * stamps then stay at least 30 s inside what CallData accepts from the future, leaving room for
   * the measurement's error and for drift between pings. Any NTP-synchronised pair is
   * milliseconds apart; a node off by this much has no time synchronisation at all.
   */
  maxClockOffsetMs: 30_000,
  /** Long enough for a link to come back after a blip or a quick restart, short for presence. */
  stateGraceMs: 10_000,
  /** Replaced certificate files are taken within this; a few stat calls each time. */
  tlsReloadIntervalMs: 5000,
} as const;

/** Options without a default: left out, they stay out. */
type WithoutDefault = 'meshId' | 'password' | 'license' | 'licensePublicKey' | 'discoveryInterface' | 'now';

/** The options with every default applied: what the mesh's services read. */
export type MeshConfig = Required<Omit<MeshModuleOptions, WithoutDefault | 'protocolVersions'>> &
  Pick<MeshModuleOptions, WithoutDefault> & { protocolVersions: VersionRange };

/** The resolved configuration's injection token (a provider of `MeshModule`). */
export const MESH_CONFIG = Symbol('MESH_CONFIG');

const int = integerOption;
const text = z.string({ message: 'must be a non-empty string' }).min(1, 'must be a non-empty string');
const port = int(0, 65535);
const DAY_MS = 86_400_000;

const optionsSchema = z
  .strictObject({
    host: text,
    port: port.optional(),
    bind: text.optional(),
    listen: z.boolean({ message: 'must be true or false' }).optional(),
    enabled: z.boolean({ message: 'must be true or false' }).optional(),
    meshId: text.optional(),
    password: text.optional(),
    encryption: z
      .enum(ENCRYPTION_MODES, { message: `must be one of ${ENCRYPTION_MODES.join(', ')}` })
      .optional(),
    tls: z
      .strictObject(
        { certFile: text.optional(), keyFile: text.optional(), caFile: text.optional() },
        { message: 'must be an object of PEM file paths {certFile, keyFile, caFile}' },
      )
      .optional(),
    discovery: z.boolean({ message: 'must be true or false' }).optional(),
    discoveryIntervalMs: int(500, 3_600_000).optional(),
    discoveryInterface: text.optional(),
    license: text.optional(),
    licensePublicKey: text.optional(),
    dataDir: text.optional(),
    peers: z
      .array(z.strictObject({ host: text, port: int(1, 65535) }, { message: 'must be {host, port}' }), {
        message: 'must be an array of {host, port}',
      })
      .optional(),
    livenessTimeoutMs: int(60, DAY_MS).optional(),
    idleProbesPerSecond: numberOption(0.01, 10_000).optional(),
    handshakeTimeoutMs: int(10, DAY_MS).optional(),
    requestTimeoutMs: int(1, DAY_MS).optional(),
    maxFrameBytes: int(1024, 1024 * 1024 * 1024).optional(),
    highWaterBytes: int(1, 1024 * 1024 * 1024).optional(),
    maxBufferedBytes: int(1, 4 * 1024 * 1024 * 1024).optional(),
    backpressure: z.enum(['wait', 'reject'], { message: 'must be wait or reject' }).optional(),
    maxHandlersInProgress: int(1, 1_000_000).optional(),
    maxPendingHandshakes: int(1, 1_000_000).optional(),
    acceptUnknownPeers: z.boolean({ message: 'must be true or false' }).optional(),
    reconnectMinMs: int(1, DAY_MS).optional(),
    reconnectMaxMs: int(1, DAY_MS).optional(),
    maxClockOffsetMs: int(100, 365 * DAY_MS).optional(),
    stateGraceMs: int(0, DAY_MS).optional(),
    tlsReloadIntervalMs: int(0, DAY_MS).optional(),
    now: functionOption<() => number>('milliseconds since the epoch').optional(),
    protocolVersions: z
      .strictObject(
        {
          min: int(PROTOCOL_VERSIONS.min, PROTOCOL_VERSIONS.max).optional(),
          max: int(PROTOCOL_VERSIONS.min, PROTOCOL_VERSIONS.max).optional(),
        },
        { message: 'must be an object {min, max} of protocol versions' },
      )
      .optional(),
  })
  .refine((o) => o.listen !== false || (o.port !== undefined && o.port > 0), {
    // Peers dial the advertised port; without a listener of its own nothing can choose one.
    message: 'must be the port the application listens on (1 to 65535) when listen is false',
    path: ['port'],
  })
  .refine((o) => (o.protocolVersions?.min ?? 1) <= (o.protocolVersions?.max ?? PROTOCOL_VERSIONS.max), {
    message: 'must have min not above max',
    path: ['protocolVersions'],
  });

/**
 * Checks the options a host gave `MeshModule.forRoot` (or its `forRootAsync` factory returned)
 * and fills in the defaults.
 * @throws ModuleOptionsError naming the option and what it allows.
 */
export function resolveMeshConfig(options: unknown): MeshConfig {
  const o = validateModuleOptions('MeshModule', optionsSchema, options);
  const reconnectMinMs = o.reconnectMinMs ?? MESH_DEFAULTS.reconnectMinMs;
  const reconnectMaxMs = Math.max(reconnectMinMs, o.reconnectMaxMs ?? MESH_DEFAULTS.reconnectMaxMs);
  return {
    ...MESH_DEFAULTS,
    ...withoutUndefined(o),
    host: o.host,
    tls: o.tls ?? {},
    peers: o.peers ?? [],
    protocolVersions: speakableRange(o.protocolVersions),
    reconnectMinMs,
    reconnectMaxMs,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
