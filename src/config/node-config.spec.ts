import { describe, expect, it } from '@jest/globals';
import { hostname } from 'node:os';
import { ConfigValidationError } from './config-validation.error.js';
import { loadNodeConfig } from './node-config.js';

describe('loadNodeConfig', () => {
  it('applies the contract defaults to an empty environment', () => {
    expect(loadNodeConfig({})).toEqual({
      databaseUrl: undefined,
      dataDir: './data',
      mesh: {
        host: hostname(),
        port: 7222,
        bind: '0.0.0.0',
        enabled: true,
        meshId: undefined,
        password: undefined,
        encryption: 'starttls-optional',
        tls: { certFile: undefined, keyFile: undefined, caFile: undefined },
        discovery: true,
        acceptUnknownPeers: true,
        discoveryIntervalMs: 5000,
        discoveryInterface: undefined,
        peers: [],
        license: undefined,
        licensePublicKey: undefined,
        maxClockOffsetMs: 30_000,
        idleProbesPerSecond: 1,
      },
      calldata: { retentionMs: 86_400_000, syncIntervalMs: 5000 },
      http: { port: 7224, bind: '127.0.0.1' },
      adminToken: undefined,
    });
  });

  it('reads every variable', () => {
    const config = loadNodeConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/mesh',
      DATA_DIR: '/var/lib/ucmesh',
      MESH_HOST: 'uc1.example.lan',
      MESH_PORT: '0',
      MESH_BIND: '::',
      MESH_ENABLED: 'off',
      MESH_ID: 'sales',
      MESH_PASSWORD: 'secret',
      MESH_ENCRYPTION: 'starttls-required',
      MESH_TLS_CERT: 'c.pem',
      MESH_TLS_KEY: 'k.pem',
      MESH_TLS_CA: 'ca.pem',
      MESH_DISCOVERY: 'false',
      MESH_ACCEPT_UNKNOWN: 'no',
      MESH_DISCOVERY_INTERVAL_MS: '2000',
      MESH_DISCOVERY_INTERFACE: '10.0.0.1',
      MESH_PEERS: 'uc2.example.lan:7222, 10.0.0.3:7300',
      MESH_LICENSE: 'token',
      MESH_LICENSE_PUBLIC_KEY: 'key.pem',
      MESH_MAX_CLOCK_OFFSET_MS: '10800000',
      MESH_IDLE_PROBES_PER_SECOND: '0.5',
      CALLDATA_RETENTION_MS: '3600000',
      CALLDATA_SYNC_INTERVAL_MS: '250',
      HTTP_PORT: '8080',
      HTTP_BIND: '0.0.0.0',
      ADMIN_TOKEN: '0123456789abcdef',
    });
    expect(config.mesh).toMatchObject({
      port: 0,
      bind: '::',
      enabled: false,
      encryption: 'starttls-required',
    });
    expect(config.mesh.tls).toEqual({ certFile: 'c.pem', keyFile: 'k.pem', caFile: 'ca.pem' });
    expect(config.mesh.discoveryIntervalMs).toBe(2000);
    expect(config.mesh.acceptUnknownPeers).toBe(false);
    expect(config.mesh.maxClockOffsetMs).toBe(10_800_000);
    expect(config.mesh.idleProbesPerSecond).toBe(0.5);
    expect(config.mesh.peers).toEqual([
      { host: 'uc2.example.lan', port: 7222 },
      { host: '10.0.0.3', port: 7300 },
    ]);
    expect(config.http).toEqual({ port: 8080, bind: '0.0.0.0' });
    expect(config.calldata).toEqual({ retentionMs: 3_600_000, syncIntervalMs: 250 });
    expect(config.databaseUrl).toBe('postgresql://u:p@db:5432/mesh');
  });

  it('treats an empty variable as unset', () => {
    expect(loadNodeConfig({ MESH_PORT: '', MESH_ENCRYPTION: '' }).mesh).toMatchObject({
      port: 7222,
      encryption: 'starttls-optional',
    });
  });

  it.each([
    [{ MESH_PORT: '7222.5' }, 'MESH_PORT="7222.5": must be an integer from 0 to 65535'],
    [{ MESH_PORT: '-1' }, 'MESH_PORT="-1": must be an integer from 0 to 65535'],
    [{ MESH_DISCOVERY_INTERFACE: 'eth0' }, 'MESH_DISCOVERY_INTERFACE="eth0": must be an IPv4 address'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN="short": must be at least 16 characters'],
    [{ MESH_TLS_CERT: 'c.pem' }, 'MESH_TLS_CERT and MESH_TLS_KEY must be set together'],
    [{ MESH_PASSWORD: 'secret' }, 'MESH_ID and MESH_PASSWORD must be set together'],
    [{ MESH_PEERS: 'uc2' }, 'MESH_PEERS="uc2": must be a comma-separated list of host:port'],
    [{ MESH_PEERS: 'uc2:0' }, 'MESH_PEERS="uc2:0": ports must be from 1 to 65535'],
    [
      { CALLDATA_RETENTION_MS: '1d' },
      'CALLDATA_RETENTION_MS="1d": must be an integer from 1000 to 31536000000',
    ],
    [
      { CALLDATA_SYNC_INTERVAL_MS: '50' },
      'CALLDATA_SYNC_INTERVAL_MS="50": must be an integer from 100 to 3600000',
    ],
    [
      { MESH_MAX_CLOCK_OFFSET_MS: '0' },
      'MESH_MAX_CLOCK_OFFSET_MS="0": must be an integer from 100 to 31536000000',
    ],
    [
      { MESH_IDLE_PROBES_PER_SECOND: '0' },
      'MESH_IDLE_PROBES_PER_SECOND="0": must be a number from 0.01 to 10000',
    ],
  ])('rejects %j', (env, problem) => {
    expect(() => loadNodeConfig(env)).toThrow(new ConfigValidationError([problem]));
  });
});
