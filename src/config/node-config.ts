import { hostname } from 'node:os';
import { isIPv4, isIP } from 'node:net';
import { z } from 'zod';
import { CALLDATA_DEFAULTS } from '../calldata/calldata-config.js';
import { MESH_DEFAULTS } from '../mesh/mesh-config.js';
import { ENCRYPTION_MODES, type EncryptionMode } from '../mesh/link/encryption-mode.js';
import { ConfigValidationError } from './config-validation.error.js';

/** An integer variable within [min, max], the message naming the range. */
const integer = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ message }).int(message).min(min, message).max(max, message);
};

/** A number within [min, max], decimals allowed. */
const decimal = (min: number, max: number) => {
  const message = `must be a number from ${min} to ${max}`;
  return z.coerce.number({ message }).min(min, message).max(max, message);
};

const port = integer(0, 65535);

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    message: 'must be true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const address = (what: string, check: (s: string) => boolean) =>
  z.string().refine(check, { message: `must be ${what}` });

const nonEmpty = z.string().min(1, 'must not be empty');

/** The environment of the standalone node (CONTRACT §2); unset variables take these defaults. */
const environmentSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: nonEmpty.default('./data'),
  MESH_HOST: nonEmpty.default(() => hostname()),
  MESH_PORT: port.default(MESH_DEFAULTS.port),
  MESH_BIND: address('an IPv4 or IPv6 address', (s) => isIP(s) !== 0).default(MESH_DEFAULTS.bind),
  MESH_ENABLED: flag.default(MESH_DEFAULTS.enabled),
  MESH_ID: nonEmpty.optional(),
  MESH_PASSWORD: nonEmpty.optional(),
  MESH_ENCRYPTION: z
    .enum(ENCRYPTION_MODES, { message: `must be one of ${ENCRYPTION_MODES.join(', ')}` })
    .default(MESH_DEFAULTS.encryption),
  MESH_TLS_CERT: nonEmpty.optional(),
  MESH_TLS_KEY: nonEmpty.optional(),
  MESH_TLS_CA: nonEmpty.optional(),
  MESH_DISCOVERY: flag.default(MESH_DEFAULTS.discovery),
  MESH_ACCEPT_UNKNOWN: flag.default(MESH_DEFAULTS.acceptUnknownPeers),
  MESH_DISCOVERY_INTERVAL_MS: integer(500, 3_600_000).default(MESH_DEFAULTS.discoveryIntervalMs),
  MESH_DISCOVERY_INTERFACE: address('an IPv4 address', (s) => isIPv4(s)).optional(),
  MESH_PEERS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be a comma-separated list of host:port')))
    .transform((entries) =>
      entries.map((entry) => {
        const at = entry.lastIndexOf(':');
        return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
      }),
    )
    .refine((peers) => peers.every((p) => p.port >= 1 && p.port <= 65535), 'ports must be from 1 to 65535')
    .optional(),
  MESH_MAX_CLOCK_OFFSET_MS: integer(100, 31_536_000_000).default(MESH_DEFAULTS.maxClockOffsetMs),
  MESH_IDLE_PROBES_PER_SECOND: decimal(0.01, 10_000).default(MESH_DEFAULTS.idleProbesPerSecond),
  MESH_LICENSE: nonEmpty.optional(),
  MESH_LICENSE_PUBLIC_KEY: nonEmpty.optional(),
  HTTP_PORT: port.default(7224),
  HTTP_BIND: address('an IPv4 or IPv6 address', (s) => isIP(s) !== 0).default('127.0.0.1'),
  CALLDATA_RETENTION_MS: integer(1000, 31_536_000_000).default(CALLDATA_DEFAULTS.retentionMs),
  CALLDATA_SYNC_INTERVAL_MS: integer(100, 3_600_000).default(CALLDATA_DEFAULTS.syncIntervalMs),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

/** Settings of the standalone node, validated and typed. */
export interface NodeConfig {
  /** External PostgreSQL; unset ⇒ an embedded one under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  mesh: {
    host: string;
    port: number;
    bind: string;
    enabled: boolean;
    meshId?: string;
    password?: string;
    encryption: EncryptionMode;
    tls: { certFile?: string; keyFile?: string; caFile?: string };
    discovery: boolean;
    discoveryIntervalMs: number;
    /** Accept authenticated nodes not in the list (`MESH_ACCEPT_UNKNOWN`). */
    acceptUnknownPeers: boolean;
    discoveryInterface?: string;
    /** Addresses to keep linked from the start, besides the fixed nodes. */
    peers: Array<{ host: string; port: number }>;
    license?: string;
    licensePublicKey?: string;
    /** A peer whose clock is further off is refused with `clock-skew`. */
    maxClockOffsetMs: number;
    /** Idle-link probes per second over all links (`MESH_IDLE_PROBES_PER_SECOND`). */
    idleProbesPerSecond: number;
  };
  calldata: { retentionMs: number; syncIntervalMs: number };
  http: { port: number; bind: string };
  adminToken?: string;
}

/**
 * Reads the node's settings from environment variables.
 * @throws ConfigValidationError naming every bad variable and what it allows.
 */
export function loadNodeConfig(env: NodeJS.ProcessEnv): NodeConfig {
  // An empty variable counts as unset, as shells and compose files commonly produce them.
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = environmentSchema.safeParse(defined);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigValidationError(problems);
  }
  const e = result.data;
  if ((e.MESH_ID === undefined) !== (e.MESH_PASSWORD === undefined)) {
    throw new ConfigValidationError(['MESH_ID and MESH_PASSWORD must be set together']);
  }
  if ((e.MESH_TLS_CERT === undefined) !== (e.MESH_TLS_KEY === undefined)) {
    throw new ConfigValidationError(['MESH_TLS_CERT and MESH_TLS_KEY must be set together']);
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    mesh: {
      host: e.MESH_HOST,
      port: e.MESH_PORT,
      bind: e.MESH_BIND,
      enabled: e.MESH_ENABLED,
      meshId: e.MESH_ID,
      password: e.MESH_PASSWORD,
      encryption: e.MESH_ENCRYPTION,
      tls: { certFile: e.MESH_TLS_CERT, keyFile: e.MESH_TLS_KEY, caFile: e.MESH_TLS_CA },
      discovery: e.MESH_DISCOVERY,
      acceptUnknownPeers: e.MESH_ACCEPT_UNKNOWN,
      discoveryIntervalMs: e.MESH_DISCOVERY_INTERVAL_MS,
      discoveryInterface: e.MESH_DISCOVERY_INTERFACE,
      peers: e.MESH_PEERS ?? [],
      license: e.MESH_LICENSE,
      licensePublicKey: e.MESH_LICENSE_PUBLIC_KEY,
      maxClockOffsetMs: e.MESH_MAX_CLOCK_OFFSET_MS,
      idleProbesPerSecond: e.MESH_IDLE_PROBES_PER_SECOND,
    },
    calldata: { retentionMs: e.CALLDATA_RETENTION_MS, syncIntervalMs: e.CALLDATA_SYNC_INTERVAL_MS },
    http: { port: e.HTTP_PORT, bind: e.HTTP_BIND },
    adminToken: e.ADMIN_TOKEN,
  };
}
