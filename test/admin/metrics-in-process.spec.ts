import { describe, expect, it } from '@jest/globals';
import { AdminModule } from '../../src/admin/admin.module.js';
import { MeshHealthIndicator } from '../../src/admin/health/mesh.health.js';
import { MeshMetricsModule } from '../../src/admin/metrics/mesh-metrics.module.js';
import { MetricsService } from '../../src/admin/metrics/metrics.service.js';
import { Registry } from 'prom-client';
import { PeerRegistryService } from '../../src/mesh/registry/peer-registry.service.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { tempDataDir } from '../helpers/node-process.js';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text.js';

async function scrape(node: MeshNode) {
  return parsePrometheusText(await node.app.get(MetricsService).scrape());
}

describe('metrics of two nodes in one process, without CallDataModule', () => {
  const cluster = meshCluster();
  const start = async () =>
    cluster.start(
      {},
      [],
      [AdminModule.forRoot({ adminToken: 'metrics-test-token-0123', dataDir: await tempDataDir() })],
    );

  it('keeps a registry per application: both start, and each counts its own links and traffic', async () => {
    const [a, b] = [await start(), await start()];
    const before = await scrape(a);
    expect(sampleSum(before, 'ucmesh_links')).toBe(0);
    expect(sampleSum(before, 'ucmesh_links_by_state')).toBe(0);
    expect(sampleSum(before, 'ucmesh_link_messages_total', { direction: 'out' })).toBe(0);

    await a.app.get(PeerRegistryService).addFixed(b.target);
    for (const node of [a, b]) {
      await node.until('linked', () => node.link.linkedNodes().length === 1);
      await node.link.send(node === a ? b.nodeId : a.nodeId, 'metrics.test', 'x'.repeat(1000));
    }
    await b.until('the message in', () => b.link.traffic.bytesIn >= 1000);
    await a.until('the message in', () => a.link.traffic.bytesIn >= 1000);
    // B lists A once its registry took in the inbound link (a database write after the link-up).
    for (const node of [a, b]) {
      const registry = node.app.get(PeerRegistryService);
      await node.until('the peer listed connected', () =>
        registry.list().some((entry) => entry.status.state === 'connected'),
      );
    }

    for (const node of [a, b]) {
      const samples = await scrape(node);
      expect(sampleSum(samples, 'ucmesh_links')).toBe(1);
      expect(sampleSum(samples, 'ucmesh_links_by_state', { state: 'connected' })).toBe(1);
      expect(sampleSum(samples, 'ucmesh_mesh_active')).toBe(1);
      expect(sampleSum(samples, 'ucmesh_link_bytes_total', { direction: 'out' })).toBeGreaterThanOrEqual(
        1000,
      );
      expect(sampleSum(samples, 'ucmesh_link_bytes_total', { direction: 'in' })).toBeGreaterThanOrEqual(1000);
      expect(sampleSum(samples, 'ucmesh_link_messages_total', { direction: 'in' })).toBeGreaterThanOrEqual(1);
      // No CallDataModule: its metrics are not registered, rather than shown as an idle 0.
      expect(samples.filter((s) => s.name.startsWith('ucmesh_calldata_'))).toEqual([]);
      // The default process metrics are on each application's registry.
      expect(sampleSum(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    }
  });

  it('keeps the traffic of closed links and reports the mesh up in health', async () => {
    const [a, b] = [await start(), await start()];
    await a.app.get(PeerRegistryService).addFixed(b.target);
    await a.until('linked', () => a.link.linkedNodes().length === 1);
    await a.link.send(b.nodeId, 'metrics.test', 'y'.repeat(2000));
    const sent = sampleSum(await scrape(a), 'ucmesh_link_bytes_total', { direction: 'out' }) ?? 0;
    expect(sent).toBeGreaterThanOrEqual(2000);

    await b.close();
    await a.until('link down', () => a.link.linkedNodes().length === 0);
    const after = await scrape(a);
    expect(sampleSum(after, 'ucmesh_links')).toBe(0);
    expect(sampleSum(after, 'ucmesh_link_bytes_total', { direction: 'out' })).toBeGreaterThanOrEqual(sent);
    expect(a.app.get(MeshHealthIndicator).isHealthy('mesh')).toEqual({
      mesh: { status: 'up', enabled: true, licensed: true, active: true, links: 0, port: a.link.port },
    });
  });
});

describe('MeshMetricsModule: the mesh metrics on a host registry, without AdminModule', () => {
  const cluster = meshCluster();

  it("registers the ucmesh_* metrics on the host's registry, without Node's default ones", async () => {
    const registry = new Registry();
    const node = await cluster.start({}, [], [MeshMetricsModule.forRoot({ registry })]);
    expect(node.app.get(MetricsService).registry).toBe(registry);
    const samples = parsePrometheusText(await registry.metrics());
    expect(sampleSum(samples, 'ucmesh_links')).toBe(0);
    expect(sampleSum(samples, 'ucmesh_mesh_active')).toBe(1);
    // Node's default metrics are the host's choice, not added to its registry.
    expect(samples.filter((s) => s.name.startsWith('process_'))).toEqual([]);
  });

  it('refuses a registry that is none where the host configures it', () => {
    expect(() => MeshMetricsModule.forRoot({ registry: {} as Registry })).toThrow(
      'MeshMetricsModule: invalid options: registry must be a prom-client Registry or left out',
    );
  });
});
