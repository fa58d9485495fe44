/**
 * Reads a Grafana dashboard (JSON model) for tests: its PromQL expressions, the metric names they
 * use, and what keeps it from being a Grafana dashboard over a Prometheus datasource variable.
 */

interface Target {
  refId?: unknown;
  expr?: unknown;
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { h?: unknown; w?: unknown; x?: unknown; y?: unknown };
  datasource?: { type?: unknown; uid?: unknown };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name?: unknown;
  type?: unknown;
  query?: unknown;
}
export interface Dashboard {
  uid?: unknown;
  title?: unknown;
  schemaVersion?: unknown;
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

/** Panels at the top and inside collapsed rows. */
function allPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Every PromQL expression: the panels' targets and the query variables' queries. */
export function dashboardExpressions(dashboard: Dashboard): string[] {
  const targets = allPanels(dashboard).flatMap((panel) => panel.targets ?? []);
  const variables = (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === 'query')
    .map((variable) =>
      typeof variable.query === 'object' && variable.query !== null
        ? (variable.query as { query?: unknown }).query
        : variable.query,
    );
  return [...targets.map((target) => target.expr), ...variables].filter(
    (expr): expr is string => typeof expr === 'string',
  );
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names an expression selects. Label matchers, ranges, grouping clauses, variables and
 * function names are not names; `label_values(metric, label)` (Grafana) selects `metric`.
 */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/label_values\(\s*([^,)]*?)\s*(?:,[^)]*)?\)/g, ' $1 ')
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$[a-zA-Z_]\w*/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\(|[a-zA-Z0-9_:])/g)) {
    if (!KEYWORDS.has(match[0].toLowerCase())) names.add(match[0]);
  }
  return [...names];
}

/**
 * The series names a scrape can have, from its `# TYPE` lines (so a labelled counter that has not
 * counted yet is there too): a histogram's `_bucket`, `_sum`, `_count`, a summary's `_sum`, `_count`.
 */
export function exposedMetricNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type = ''] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * What keeps `dashboard` from importing as a Grafana dashboard whose panels query the Prometheus
 * datasource chosen in its datasource variable; empty when nothing does.
 */
export function dashboardShapeProblems(dashboard: Dashboard): string[] {
  const problems: string[] = [];
  if (!isText(dashboard.uid) || dashboard.uid.length > 40) problems.push('uid: 1 – 40 characters');
  if (!isText(dashboard.title)) problems.push('title missing');
  if (!isNumber(dashboard.schemaVersion)) problems.push('schemaVersion missing');
  const variable = (dashboard.templating?.list ?? []).find(
    (entry) => entry.type === 'datasource' && entry.query === 'prometheus' && isText(entry.name),
  );
  if (!variable) problems.push('no Prometheus datasource variable');
  const datasourceUid = `\${${String(variable?.name)}}`;
  const panels = allPanels(dashboard);
  if (panels.filter((panel) => panel.type !== 'row').length === 0) problems.push('no panels');
  const ids = new Set<unknown>();
  for (const panel of panels) {
    const name = `panel ${String(panel.id)} "${String(panel.title)}"`;
    if (!isNumber(panel.id) || ids.has(panel.id)) problems.push(`${name}: id missing or repeated`);
    ids.add(panel.id);
    if (!isText(panel.type) || !isText(panel.title)) problems.push(`${name}: type or title missing`);
    const { h, w, x, y } = panel.gridPos ?? {};
    if (![h, w, x, y].every(isNumber) || (x as number) + (w as number) > 24)
      problems.push(`${name}: gridPos outside the 24 columns`);
    if (panel.type === 'row') continue;
    if (panel.datasource?.type !== 'prometheus' || panel.datasource.uid !== datasourceUid)
      problems.push(`${name}: datasource is not ${datasourceUid}`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) problems.push(`${name}: no targets`);
    const refIds = new Set<unknown>();
    for (const target of targets) {
      if (!isText(target.refId) || refIds.has(target.refId))
        problems.push(`${name}: refId missing or repeated`);
      refIds.add(target.refId);
      if (!isText(target.expr)) problems.push(`${name}: target ${String(target.refId)} has no expr`);
    }
  }
  return problems;
}
