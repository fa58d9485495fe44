// Every data directory a test run makes lives under one folder of this run, removed at the end:
// PostgreSQL clusters are tens of megabytes each, and CI disks can be small.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

export function setup() {
  const root = mkdtempSync(join(tmpdir(), 'ucmesh-run-'));
  // Run as root, PostgreSQL runs as the `postgres` user, which must be able to pass through.
  chmodSync(root, 0o711);
  process.env.UCMESH_TEST_ROOT = root;
}

export function teardown() {
  const root = process.env.UCMESH_TEST_ROOT;
  if (root) rmSync(root, { recursive: true, force: true });
}
