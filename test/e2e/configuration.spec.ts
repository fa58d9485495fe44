import { describe, expect, it } from '@jest/globals';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

async function startFails(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const node = NodeProcess.spawn({ DATA_DIR: await tempDataDir(), ...env });
  const { code } = await node.exit();
  return { code, lines: node.errorOutput.trim().split('\n') };
}

describe('bad configuration stops the node with one clear line per variable', () => {
  it.each([
    ['MESH_PORT', 'abc', 'must be an integer from 0 to 65535'],
    ['HTTP_PORT', '70000', 'must be an integer from 0 to 65535'],
    ['MESH_ENCRYPTION', 'maybe', 'must be one of none, starttls-optional, starttls-required'],
    ['MESH_ENABLED', 'perhaps', 'must be true or false'],
    ['MESH_DISCOVERY_INTERVAL_MS', '10', 'must be an integer from 500 to 3600000'],
    ['MESH_BIND', 'localhost:1', 'must be an IPv4 or IPv6 address'],
    ['DATABASE_URL', 'mysql://x', 'must be a postgres:// URL'],
  ])('%s=%s', async (name, value, allowed) => {
    const { code, lines } = await startFails({ [name]: value });
    expect(code).toBe(1);
    expect(lines).toEqual([`uc-mesh: invalid configuration: ${name}=${JSON.stringify(value)}: ${allowed}`]);
  });

  it('names every bad variable, and prints no stack trace', async () => {
    const { code, lines } = await startFails({ MESH_PORT: 'abc', MESH_ENCRYPTION: 'maybe' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).toContain('MESH_PORT');
    expect(lines.join('\n')).toContain('MESH_ENCRYPTION');
    expect(lines.join('\n')).not.toMatch(/^\s+at /m);
  });
});
