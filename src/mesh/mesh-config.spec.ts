import { describe, expect, it } from '@jest/globals';
import { ModuleOptionsError } from '../common/module-options.js';
import { PROTOCOL_VERSIONS } from './handshake/handshake-messages.js';
import { MESH_DEFAULTS, resolveMeshConfig } from './mesh-config.js';

/** The one-line message `resolveMeshConfig` stops the application with. */
function problem(options: unknown): string {
  try {
    resolveMeshConfig(options);
  } catch (error: unknown) {
    if (!(error instanceof ModuleOptionsError)) throw error;
    expect(error.message).not.toContain('\n');
    return error.message;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('resolveMeshConfig', () => {
  it('fills in every default', () => {
    expect(resolveMeshConfig({ host: 'uc1.example' })).toEqual({
      ...MESH_DEFAULTS,
      host: 'uc1.example',
      tls: {},
      peers: [],
      // Every protocol version this build speaks.
      protocolVersions: PROTOCOL_VERSIONS,
    });
  });

  it('keeps what the host gave, and never lets the reconnect ceiling below the floor', () => {
    const config = resolveMeshConfig({
      host: 'uc1.example',
      port: 7300,
      listen: false,
      discovery: false,
      tls: { certFile: '/etc/uc/cert.pem' },
      peers: [{ host: 'uc2.example', port: 7222 }],
      reconnectMinMs: 5000,
      reconnectMaxMs: 100,
      meshId: undefined,
    });
    expect(config).toMatchObject({
      host: 'uc1.example',
      port: 7300,
      listen: false,
      discovery: false,
      encryption: MESH_DEFAULTS.encryption,
      tls: { certFile: '/etc/uc/cert.pem' },
      peers: [{ host: 'uc2.example', port: 7222 }],
      reconnectMinMs: 5000,
      reconnectMaxMs: 5000,
    });
    expect('meshId' in config).toBe(false);
  });

  it('names an unknown option (a typo) and lists the allowed ones', () => {
    const message = problem({ host: 'x', discovry: false });
    const allowed = /^MeshModule options: "discovry" is not an option \(allowed: ([a-zA-Z, ]+)\)$/.exec(
      message,
    );
    expect(allowed).not.toBeNull();
    const names = allowed?.[1]?.split(', ') ?? [];
    expect(names).toEqual(
      expect.arrayContaining(['host', 'discovery', 'listen', 'tls', ...Object.keys(MESH_DEFAULTS)]),
    );
    expect(problem({ host: 'x', discovry: false, prot: 1 })).toMatch(
      /^MeshModule options: "discovry", "prot" are not options \(allowed: host, /,
    );
  });

  it('names an unknown option inside a nested one', () => {
    expect(problem({ host: 'x', tls: { certfile: '/etc/uc/cert.pem' } })).toBe(
      'MeshModule options: "tls.certfile" is not an option (allowed: certFile, keyFile, caFile)',
    );
    expect(problem({ host: 'x', peers: [{ host: 'uc2', port: 7222, tls: true }] })).toBe(
      'MeshModule options: "peers.0.tls" is not an option (allowed: host, port)',
    );
  });

  it('names an option of the wrong type and what it allows', () => {
    expect(problem({ host: 'x', port: 'abc' })).toBe(
      'MeshModule options: port must be an integer from 0 to 65535 (got "abc")',
    );
    expect(problem({ host: 'x', discovery: 'false' })).toBe(
      'MeshModule options: discovery must be true or false (got "false")',
    );
    expect(problem({ host: 'x', encryption: 'tls' })).toBe(
      'MeshModule options: encryption must be one of none, starttls-optional, starttls-required (got "tls")',
    );
    expect(problem({ host: 'x', tls: '/etc/uc/cert.pem' })).toBe(
      'MeshModule options: tls must be an object of PEM file paths {certFile, keyFile, caFile} (got "/etc/uc/cert.pem")',
    );
    expect(problem({ host: 'x', peers: ['uc2:7222'] })).toBe(
      'MeshModule options: peers.0 must be {host, port} (got "uc2:7222")',
    );
    expect(problem({ host: 'x', tls: { keyFile: 3 } })).toBe(
      'MeshModule options: tls.keyFile must be a non-empty string (got 3)',
    );
  });

  it('names an option out of its range', () => {
    expect(problem({ host: 'x', port: 70_000 })).toBe(
      'MeshModule options: port must be an integer from 0 to 65535 (got 70000)',
    );
    expect(problem({ host: 'x', port: 72.5 })).toBe(
      'MeshModule options: port must be an integer from 0 to 65535 (got 72.5)',
    );
    expect(problem({ host: 'x', port: Number.NaN })).toBe(
      'MeshModule options: port must be an integer from 0 to 65535 (got NaN)',
    );
    expect(problem({ host: 'x', discoveryIntervalMs: 10 })).toBe(
      'MeshModule options: discoveryIntervalMs must be an integer from 500 to 3600000 (got 10)',
    );
    expect(problem({ host: 'x', peers: [{ host: 'uc2', port: 0 }] })).toBe(
      'MeshModule options: peers.0.port must be an integer from 1 to 65535 (got 0)',
    );
    expect(problem({ host: 'x', maxClockOffsetMs: 0 })).toBe(
      'MeshModule options: maxClockOffsetMs must be an integer from 100 to 31536000000 (got 0)',
    );
    expect(problem({ host: 'x', stateGraceMs: -1 })).toBe(
      'MeshModule options: stateGraceMs must be an integer from 0 to 86400000 (got -1)',
    );
    expect(resolveMeshConfig({ host: 'x', stateGraceMs: 0 }).stateGraceMs).toBe(0);
    expect(problem({ host: 'x', idleProbesPerSecond: 0.001 })).toBe(
      'MeshModule options: idleProbesPerSecond must be a number from 0.01 to 10000 (got 0.001)',
    );
    expect(problem({ host: 'x', now: 1_700_000_000_000 })).toMatch(
      /^MeshModule options: now must be a function returning milliseconds since the epoch/,
    );
  });

  it('needs the port peers dial when the application owns it (listen: false)', () => {
    const message =
      'MeshModule options: port must be the port the application listens on (1 to 65535) when listen is false';
    expect(problem({ host: 'x', listen: false })).toBe(`${message} (got nothing)`);
    expect(problem({ host: 'x', listen: false, port: 0 })).toBe(`${message} (got 0)`);
    expect(resolveMeshConfig({ host: 'x', listen: false, port: 5060 })).toMatchObject({
      listen: false,
      port: 5060,
    });
  });

  it('names a missing required option', () => {
    expect(problem({})).toBe('MeshModule options: host must be a non-empty string (got nothing)');
    expect(problem({ host: '' })).toBe('MeshModule options: host must be a non-empty string (got "")');
  });

  it('refuses options that are not an object', () => {
    expect(problem('uc1.example')).toBe('MeshModule options must be an object (got "uc1.example")');
    expect(problem(null)).toBe('MeshModule options must be an object (got null)');
    expect(problem(undefined)).toBe('MeshModule options must be an object (got nothing)');
    expect(problem([{ host: 'x' }])).toBe('MeshModule options must be an object (got [{"host":"x"}])');
  });
});
