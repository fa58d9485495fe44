// Each entry point of the built package, imported by its package name (the `exports` map) in a
// fresh node process: it loads, exports what the README names, and leaves the process as it found
// it — no signal or exit listeners, no open handles. The framework peers are imported first, so
// what is measured is uc-mesh's own module code.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const ROOT = join(import.meta.dirname, '..', '..');

// stdout and stderr are touched first: a module that only looks at them (colour support) opens
// their handles. File reads a module starts while loading may still be in flight: the probe waits
// (bounded) for the resources to come back to what they were; a socket, timer or server never does.
const PROBE = `
const events = () => Object.fromEntries(process.eventNames().map((name) => [String(name), process.listenerCount(name)]));
const resources = () => process.getActiveResourcesInfo().sort().join();
const settle = () => new Promise((done) => setTimeout(done, 50));
void process.stdout.isTTY, process.stderr.isTTY;
for (const peer of ['reflect-metadata', '@nestjs/common', '@nestjs/core', '@nestjs/typeorm', '@nestjs/event-emitter', 'typeorm', 'rxjs']) await import(peer);
await settle();
const before = { events: events(), resources: resources() };
const entry = await import(process.env.ENTRY);
for (let i = 0; i < 100 && resources() !== before.resources; i++) await settle();
process.stdout.write(JSON.stringify({ before, after: { events: events(), resources: resources() }, exports: Object.keys(entry).sort() }));
`;

interface Probe {
  before: { events: Record<string, number>; resources: string };
  after: { events: Record<string, number>; resources: string };
  exports: string[];
}

async function probe(entry: string): Promise<Probe> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], {
    cwd: ROOT,
    env: { ...process.env, ENTRY: entry },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Probe;
}

const ENTRIES: Array<[string, string[]]> = [
  [
    'uc-mesh',
    [
      'MeshModule',
      'LinkService',
      'OnMeshMessage',
      'PeerRegistryService',
      'DiscoveryService',
      'LicenseGuard',
      'LicenseService',
      'meshEntities',
      'meshMigrations',
      'MeshRemoteError',
      'LicenseError',
      'MeshStateService',
    ],
  ],
  [
    'uc-mesh/calldata',
    [
      'CallDataModule',
      'CallDataService',
      'callDataEntities',
      'callDataMigrations',
      'CallDataValidationError',
    ],
  ],
  ['uc-mesh/admin', ['AdminModule', 'useAdminBodyParser']],
  ['uc-mesh/standalone', ['AppModule', 'loadNodeConfig', 'EmbeddedDatabase', 'ConfigValidationError']],
];

describe('entry points of the built package', () => {
  it.each(ENTRIES)('%s loads without touching the process', async (entry, names) => {
    const result = await probe(entry);
    expect(result.exports).toEqual(expect.arrayContaining(names));
    // The vendor's license issuing is for the vendor's CLI only.
    expect(result.exports).not.toContain('issueLicenseToken');
    expect(result.exports).not.toContain('generateVendorKeys');
    expect(result.after.events).toEqual(result.before.events);
    expect(result.after.resources).toEqual(result.before.resources);
  });
});
