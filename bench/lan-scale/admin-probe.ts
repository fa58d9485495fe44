// The benchmark's admin workstation: a process in a namespace of its own on the LAN that calls the
// nodes' admin APIs (they listen on their LAN addresses) for the orchestrator, which has no route
// into the LAN. Polling loops run here, so that only their results cross the IPC channel.
import { runWorker } from '../common/worker.js';
import { answerSteps } from '../scale/answer-steps.js';
import type {
  GetResult,
  LinkChangeResult,
  LinkedMark,
  MetricMark,
  NodeEntry,
  ProbeConfig,
  ProbeStep,
  ProbeTarget,
} from './lan-scale.types.js';
import { linkBetween, TopologyWatch } from './topology-watch.js';

const REQUEST_LIMIT_MS = 15_000;
/** Requests in flight at once: the nodes share two cores with everything else. */
const CONCURRENCY = 8;

runWorker<ProbeConfig>(async (channel) => {
  const { token } = channel.config;
  const request = async (url: string, method = 'GET', body?: unknown): Promise<GetResult> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the text itself (e.g. /metrics)
    }
    return { status: response.status, body: parsed, at: Date.now() };
  };
  const run = async (step: ProbeStep): Promise<unknown> => {
    switch (step.do) {
      case 'get':
        // A node too busy to answer in time is an answer too (status 0), not the probe's end.
        return eachLimited(step.urls, (url) =>
          request(url).catch((error: unknown) => ({ status: 0, body: String(error), at: Date.now() })),
        );
      case 'send':
        return request(step.url, step.method, step.body);
      case 'metrics':
        return eachLimited(step.urls, async (url) => series((await request(url)).body, step.names));
      case 'until-metric':
        return untilMetric(step, request);
      case 'until-linked':
        return untilLinked(step, request);
      case 'watch-topology':
        return { opened: await watch.open(step.bases, token, step.limitMs) };
      case 'link-change':
        return linkChange(step, watch, request);
      case 'unwatch':
        return { closed: watch.close() };
    }
  };
  const watch = new TopologyWatch();
  answerSteps(channel, run);
  await channel.report({ type: 'ready', port: 0 });
  await channel.stopped;
  watch.close();
});

type Request = (url: string, method?: string, body?: unknown) => Promise<GetResult>;

/** The waits are registered before the request goes out, so no event after it is missed. */
async function linkChange(
  step: Extract<ProbeStep, { do: 'link-change' }>,
  watch: TopologyWatch,
  request: Request,
): Promise<LinkChangeResult> {
  const streams = step.bases.map((base) => watch.stream(base));
  const arrivals = streams.map((stream) =>
    stream.next(
      (topology) => (linkBetween(topology, step.a, step.b)?.state === 'connected') === step.connected,
      step.limitMs,
    ),
  );
  const sentAt = Date.now();
  const answer = await request(step.url, step.method, step.body);
  const events = await Promise.all(arrivals);
  return {
    status: answer.status,
    body: answer.body,
    sentAt,
    answeredAt: answer.at,
    marks: streams.map((stream, i) => {
      const event = events[i];
      return {
        ...(event && { at: event.at, bytes: event.bytes }),
        events: stream.events,
        ...(stream.problem !== undefined && { problem: stream.problem }),
      };
    }),
  };
}

async function untilMetric(
  step: Extract<ProbeStep, { do: 'until-metric' }>,
  request: Request,
): Promise<MetricMark[]> {
  const marks: MetricMark[] = step.urls.map(() => ({ values: {} }));
  const deadline = Date.now() + step.limitMs;
  for (;;) {
    const open = step.urls.flatMap((url, i) => (marks[i]?.at === undefined ? [{ url, i }] : []));
    if (open.length === 0 || Date.now() > deadline) return marks;
    await eachLimited(open, async ({ url, i }) => {
      const answer = await request(url).catch(() => undefined);
      if (!answer) return;
      const values = series(answer.body, [step.name, ...step.also]);
      const mark = marks[i] as MetricMark;
      mark.values = values;
      if ((values[step.name] ?? 0) > (step.above[i] ?? 0)) mark.at = answer.at;
    });
    await pause(step.intervalMs);
  }
}

async function untilLinked(
  step: Extract<ProbeStep, { do: 'until-linked' }>,
  request: Request,
): Promise<LinkedMark[]> {
  const marks: LinkedMark[] = step.targets.map(() => ({ links: 0 }));
  const deadline = Date.now() + step.limitMs;
  const done = (mark: LinkedMark) =>
    mark.linkedAt !== undefined && (!step.topology || mark.topologyAt !== undefined);
  for (;;) {
    const open = step.targets.flatMap((target, i) => (done(marks[i] as LinkedMark) ? [] : [{ target, i }]));
    if (open.length === 0 || Date.now() > deadline) return marks;
    await eachLimited(open, async ({ target, i }) => {
      const mark = marks[i] as LinkedMark;
      if (mark.linkedAt === undefined) await lookAtLinks(target, step.nodeIds, mark, request);
      // A view is complete only once its node is linked to every other: until then, asking costs
      // the node an assembly of the whole mesh for nothing.
      if (step.topology && mark.linkedAt !== undefined && mark.topologyAt === undefined) {
        const answer = await request(`${target.base}/api/mesh/topology`).catch(() => undefined);
        if ((answer?.body as { complete?: unknown } | undefined)?.complete === true)
          mark.topologyAt = answer?.at;
      }
    });
    await pause(step.intervalMs);
  }
}

/** The cheap overview first (its link count); the node list only once the count is there. */
async function lookAtLinks(target: ProbeTarget, nodeIds: string[], mark: LinkedMark, request: Request) {
  const others = nodeIds.filter((id) => id !== target.nodeId);
  const overview = await request(`${target.base}/api/mesh`).catch((error: unknown) => {
    mark.problem = String(error instanceof Error ? (error.cause ?? error.message) : error);
    return undefined;
  });
  const links = (overview?.body as { links?: unknown } | undefined)?.links;
  if (typeof links !== 'number') {
    if (overview)
      mark.problem = `GET /api/mesh answered ${overview.status}: ${JSON.stringify(overview.body).slice(0, 200)}`;
    return;
  }
  mark.problem = undefined;
  mark.links = links;
  if (links < others.length) return;
  const list = await request(`${target.base}/api/mesh/nodes`).catch(() => undefined);
  if (!Array.isArray(list?.body)) return;
  const connected = new Set(
    (list.body as NodeEntry[]).filter((n) => n.status.state === 'connected').map((n) => n.nodeId),
  );
  const missing = others.filter((id) => !connected.has(id));
  if (missing.length === 0) mark.linkedAt = overview?.at;
  else {
    const entries = list.body as NodeEntry[];
    const shown = missing.slice(0, 3).map((id) => {
      const entry = entries.find((n) => n.nodeId === id);
      return entry
        ? `${entry.host} ${entry.status.state} ${entry.status.reason ?? ''} ${entry.status.message ?? ''}`
        : `${id.slice(0, 8)} not listed`;
    });
    const unknown = entries
      .filter((n) => n.nodeId === null || !nodeIds.includes(n.nodeId))
      .map((n) => `${n.host}=${n.nodeId ?? 'null'}/${n.status.state}`);
    mark.problem = `${links} links, but ${missing.length} not connected in the list: ${shown.join(', ')}; other entries: ${unknown.join(', ')}`;
  }
}

/**
 * Sums of each named series over its labels, from the Prometheus text format; a name may carry one
 * label to match, e.g. `ucmesh_link_bytes_total{direction="out"}`.
 */
function series(text: unknown, names: string[]): Record<string, number> {
  const sums: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
  if (typeof text !== 'string') return sums;
  const wanted = names.map((name) => {
    const brace = name.indexOf('{');
    return brace < 0
      ? { name, base: name, label: '' }
      : { name, base: name.slice(0, brace), label: name.slice(brace + 1, -1) };
  });
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    for (const want of wanted) {
      if (match[1] !== want.base || !(match[2] ?? '').includes(want.label)) continue;
      sums[want.name] = (sums[want.name] ?? 0) + Number(match[3]);
    }
  }
  return sums;
}

/** `work` on every item, at most CONCURRENCY at once; results in the items' order. */
async function eachLimited<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
