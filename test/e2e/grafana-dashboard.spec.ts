import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Dashboard,
  dashboardExpressions,
  dashboardShapeProblems,
  exposedMetricNames,
  promqlMetricNames,
} from '../helpers/grafana-dashboard.js';
import { NodeProcess, tempDataDir } from '../helpers/node-process.js';

const DASHBOARD = join(import.meta.dirname, '..', '..', 'docs', 'grafana', 'uc-mesh-dashboard.json');
const MESH = { MESH_HOST: '127.0.0.1', MESH_ID: 'grafana', MESH_PASSWORD: 'grafana-password' };

/** The names `expressions` use that `exposed` lacks, each with the expression that uses it. */
function missingNames(expressions: string[], exposed: Set<string>): string[] {
  return expressions.flatMap((expr) =>
    promqlMetricNames(expr)
      .filter((name) => !exposed.has(name))
      .map((name) => `${name} in ${expr}`),
  );
}

describe('the Grafana dashboard in docs/grafana', () => {
  let dashboard: Dashboard;
  let node: NodeProcess;
  let scrape: string;

  beforeAll(async () => {
    dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard;
    // The standalone node as an operator runs it: CallData, admin API and metrics all in.
    node = await NodeProcess.start({ ...MESH, DATA_DIR: await tempDataDir() });
    const response = await fetch(`${node.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    scrape = await response.text();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('is a Grafana dashboard whose panels query the chosen Prometheus datasource', () => {
    expect(dashboardShapeProblems(dashboard)).toEqual([]);
    expect(dashboard.uid).toBe('uc-mesh');
  });

  it('uses only metrics a running node exposes, so the dashboard cannot rot unnoticed', () => {
    const expressions = dashboardExpressions(dashboard);
    const used = new Set(expressions.flatMap(promqlMetricNames));
    // What an operator puts on the wall: links, failures, traffic, CallData, admin access.
    for (const name of [
      'ucmesh_links_by_state',
      'ucmesh_links',
      'ucmesh_license_connections',
      'ucmesh_mesh_active',
      'ucmesh_handshake_failures_total',
      'ucmesh_link_bytes_total',
      'ucmesh_link_messages_total',
      'ucmesh_calldata_replication_lag_seconds_bucket',
      'ucmesh_calldata_changes_total',
      'ucmesh_calldata_refused_total',
      'ucmesh_admin_token_refusals_total',
      'ucmesh_admin_token_lockouts_total',
    ]) {
      expect(used).toContain(name);
    }
    expect(missingNames(expressions, exposedMetricNames(scrape))).toEqual([]);
  });

  it('would name a metric the node does not expose, and where the dashboard uses it', () => {
    const exposed = exposedMetricNames(scrape);
    const expr =
      'sum by (reason) (rate(ucmesh_links_dropped_total{instance=~"$instance"}[$__rate_interval]))';
    expect(missingNames([expr], exposed)).toEqual([`ucmesh_links_dropped_total in ${expr}`]);
    // A histogram's series are there by their suffixes; its bare name and a made-up suffix are not.
    expect(exposed).toContain('ucmesh_calldata_replication_lag_seconds_count');
    expect(missingNames(['ucmesh_calldata_replication_lag_seconds_total'], exposed)).toHaveLength(1);
  });

  it('would name a panel Grafana cannot use', () => {
    const [first] = (dashboard.panels ?? []).filter((panel) => panel.type !== 'row');
    const broken: Dashboard = {
      ...dashboard,
      uid: '',
      panels: [{ ...first, targets: [], datasource: { type: 'prometheus', uid: 'some-fixed-uid' } }],
    };
    const problems = dashboardShapeProblems(broken);
    expect(problems).toContain('uid: 1 – 40 characters');
    expect(problems.some((problem) => problem.endsWith(': no targets'))).toBe(true);
    expect(problems.some((problem) => problem.includes('datasource is not ${datasource}'))).toBe(true);
  });
});
