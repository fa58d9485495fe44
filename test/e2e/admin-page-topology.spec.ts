import { beforeAll, describe, expect, it } from '@jest/globals';
import { browserSession, openPage, screenshot, signIn, textOf, untilAttribute } from '../helpers/browser.js';
import type { NodeProcess } from '../helpers/node-process.js';
import type { MeshTopology } from '../../src/mesh/topology/mesh-topology.js';
import { clockAhead, requireLibfaketime } from '../helpers/skewed-clock.js';
import { setConnect, startThree } from '../helpers/topology-nodes.js';

// Before the browser is launched: without libfaketime the file fails at once.
beforeAll(requireLibfaketime);
const session = browserSession();

/** Shifts the wall clock of one node (and its PostgreSQL), not its timers. */
const TEN_SECONDS_AHEAD = clockAhead('+10s');

const pairId = (x: NodeProcess, y: NodeProcess) => [x.nodeId, y.nodeId].sort().join('-');

describe('the admin page draws the whole mesh', () => {
  it('on A of three: the B–C link goes from connected to missing when B unchecks C, then two islands when C is cut off — in German', async () => {
    // C's clock runs 10 s ahead (within the 30 s the mesh accepts): A's page points it out.
    const [a, b, c] = (await startThree('admin-page-topology', session.running, [
      {},
      {},
      TEN_SECONDS_AHEAD,
    ])) as [NodeProcess, NodeProcess, NodeProcess];
    const watched = await session.openAdmin(a, { locale: 'de-DE', viewport: { width: 1280, height: 1000 } });
    const { page } = watched;
    await signIn(page, a.adminToken);
    const picture = page.locator('#picture');
    const bc = picture.locator(`line[data-testid="pair-${pairId(b, c)}"]`);

    // Every pair, not a star: the B–C link is drawn on A's page, green, from B's and C's tables.
    await untilAttribute(bc, 'class', 'link connected');
    await untilAttribute(picture, 'data-complete', 'true');
    expect(await picture.locator('line').count()).toBe(3);
    expect(await picture.locator('circle').count()).toBe(3);
    expect(await picture.locator('circle[data-apart]').count()).toBe(0);
    expect(await textOf(picture.locator('desc'))).toMatch(
      /^Dieser Knoten 127\.0\.0\.1 und 2 weitere Knoten: .*Jeder Knoten erreicht jeden anderen\. Alle Knoten sind paarweise verbunden\.$/,
    );
    // The hover text: state, round trip and transport of the link, in German.
    const connectedTitle = await textOf(bc.locator('title'));
    expect(connectedTitle).toMatch(/verbunden/);
    expect(connectedTitle).toMatch(/Umlaufzeit: [\d.]+ ms/);
    expect(connectedTitle).toMatch(/TLS/);
    const rowOfC = page.locator('#fixed-nodes tr', { hasText: c.nodeId });
    expect(await textOf(rowOfC.locator('[data-testid="clock-warning"]'))).toMatch(
      /^Zeitabweichung: Gegenstelle (9|10)\.\d s vor$/,
    );
    expect(await page.locator('[data-testid="clock-warning"]').count()).toBe(1);
    await screenshot(page, 'topology-1-complete');

    // B unchecks C: the B–C line turns grey and dashed, with both ends' views on hover.
    await setConnect(b, c, false);
    await untilAttribute(bc, 'data-state', 'disabled');
    await untilAttribute(picture, 'data-complete', 'false');
    expect(await bc.getAttribute('class')).toBe('link off');
    expect(await bc.evaluate((line) => getComputedStyle(line).strokeDasharray)).not.toBe('none');
    const missingTitle = await textOf(bc.locator('title'));
    expect(missingTitle).toMatch(/laut 127\.0\.0\.1:\d+:\n\s+ausgeschaltet/);
    expect(missingTitle).toMatch(/laut 127\.0\.0\.1:\d+:\n\s+Fehler: Auf dem anderen Knoten ausgeschaltet/);
    await untilAttribute(picture, 'data-islands', '1');
    await screenshot(page, 'topology-2-missing-link');

    // C unchecks A too: C is cut off, an island of its own, set apart.
    await setConnect(c, a, false);
    await untilAttribute(picture, 'data-islands', '2');
    const circleC = picture.locator(`circle[data-node-id="${c.nodeId}"]`);
    await untilAttribute(circleC, 'data-apart', '');
    expect(await picture.locator(`circle[data-node-id="${b.nodeId}"]`).getAttribute('data-apart')).toBeNull();
    expect(await textOf(picture.locator('desc'))).toMatch(/Inseln: 2\.$/);
    // The legend in German, and no English left in the picture's card.
    const card = await page.locator('section[aria-labelledby="picture-title"]').innerText();
    expect(card).toContain('keine Verbindung (gestrichelt)');
    expect(card).toContain('von diesem Knoten aus nicht erreichbar (eine andere Insel)');
    for (const english of ['this node', 'connected', 'no link', 'Islands'])
      expect(card).not.toContain(english);
    await screenshot(page, 'topology-3-islands');
    await screenshot(picture, 'topology-3-islands-picture');
    expect(watched.problems).toEqual([]);
  });
});

/**
 * A mesh of 32 nodes as `GET /api/mesh/topology` would answer on the first node: two islands
 * (29 and 3 nodes), every pair linked within an island except a few missing, nothing between them.
 */
function fabricatedTopology(self: string): MeshTopology {
  const ids = [
    self,
    ...Array.from({ length: 31 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
  ];
  const nodeIds = [...ids].sort();
  const apart = new Set(ids.slice(29));
  const since = '2026-12-07T10:00:00.000Z';
  const links: MeshTopology['links'] = [];
  for (let i = 0; i < nodeIds.length; i++)
    for (let j = i + 1; j < nodeIds.length; j++) {
      const [a, b] = [nodeIds[i]!, nodeIds[j]!];
      if (apart.has(a) !== apart.has(b)) continue;
      const missing = (i * 7 + j) % 23 === 0;
      links.push(
        missing
          ? { a, b, state: 'error', reason: 'unreachable', since, reportedBy: [a] }
          : { a, b, state: 'connected', transport: 'tls', rttMs: 0.4, since, reportedBy: [a, b] },
      );
    }
  const islands = [ids.slice(0, 29).sort(), ids.slice(29).sort()];
  const up = links.filter((link) => link.state === 'connected').length;
  return {
    nodes: nodeIds.map((nodeId, i) => ({
      nodeId,
      host: nodeId === self ? '127.0.0.1' : `uc-server-${String(i).padStart(2, '0')}.example.net`,
      port: 7222,
      version: 'uc-mesh/0.1.0',
      reachable: !apart.has(nodeId),
    })),
    links,
    islands,
    complete: false,
    missingLinks: (32 * 31) / 2 - up,
  };
}

describe('the mesh picture at 32 nodes', () => {
  it('draws every node and pair with no label covering another label or a circle', async () => {
    const node = await session.startNode({
      MESH_HOST: '127.0.0.1',
      MESH_DISCOVERY: 'false',
      MESH_ID: 'admin-page-32',
      MESH_PASSWORD: 'admin-page-32-password',
    });
    const context = await session.newContext({ locale: 'en-US', viewport: { width: 1280, height: 1000 } });
    const topology = fabricatedTopology(node.nodeId);
    // The node alone has no peers: its answer is replaced by a 32-node mesh's, the page is the real one.
    await context.route('**/api/mesh/topology', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(topology) }),
    );
    const watched = await openPage(context, `${node.httpUrl}/admin`);
    const { page } = watched;
    await signIn(page, node.adminToken);
    const picture = page.locator('#picture');
    await untilAttribute(picture, 'data-islands', '2');
    expect(await picture.locator('circle').count()).toBe(32);
    expect(await picture.locator('text').count()).toBe(32);
    expect(await picture.locator('line').count()).toBe((32 * 31) / 2);
    expect(await picture.locator('circle[data-apart]').count()).toBe(3);
    expect(await picture.locator('line.link.connected').count()).toBe(
      topology.links.filter((l) => l.state === 'connected').length,
    );

    // Labels run outwards along the radius: compare their real (rotated) outlines, not their boxes.
    const overlaps = await picture.evaluate((root: unknown) => {
      type Point = [number, number];
      const svg = root as SvgRoot;
      const outline = (element: Graphic): Point[] => {
        const box = element.getBBox();
        const matrix = element.getCTM();
        const corners: Point[] = [
          [box.x, box.y],
          [box.x + box.width, box.y],
          [box.x + box.width, box.y + box.height],
          [box.x, box.y + box.height],
        ];
        return corners.map(([x, y]): Point => [
          matrix.a * x + matrix.c * y + matrix.e,
          matrix.b * x + matrix.d * y + matrix.f,
        ]);
      };
      // Separating axis test of two convex outlines.
      const apart = (p: Point[], q: Point[]): boolean =>
        [p, q].some((shape) =>
          shape.some((point, i) => {
            const next = shape[(i + 1) % shape.length]!;
            const axis: Point = [next[1] - point[1], point[0] - next[0]];
            const project = (s: Point[]) => s.map(([x, y]) => x * axis[0] + y * axis[1]);
            const [a, b] = [project(p), project(q)];
            return Math.max(...a) <= Math.min(...b) || Math.max(...b) <= Math.min(...a);
          }),
        );
      const labels = Array.from(svg.querySelectorAll('text'), (element) => ({
        what: element.textContent,
        shape: outline(element),
      }));
      const circles = Array.from(svg.querySelectorAll('circle'), (element) => ({
        what: `circle ${element.getAttribute('data-testid') ?? 'self'}`,
        shape: outline(element),
      }));
      const found: string[] = [];
      labels.forEach((label, i) => {
        for (const other of [...labels.slice(i + 1), ...circles])
          if (!apart(label.shape, other.shape)) found.push(`${label.what} covers ${other.what}`);
      });
      // And every label inside the picture (in the page's pixels, as drawn).
      const frame = svg.getBoundingClientRect();
      for (const element of Array.from(svg.querySelectorAll('text'))) {
        const box = element.getBoundingClientRect();
        if (
          box.left < frame.left ||
          box.top < frame.top ||
          box.right > frame.right ||
          box.bottom > frame.bottom
        )
          found.push(`${element.textContent} leaves the picture`);
      }
      return found;
    });
    expect(overlaps).toEqual([]);
    await screenshot(picture, 'topology-32-nodes');
    expect(watched.problems).toEqual([]);
  });
});

/** What the outline check reads of the picture's elements, in the page (the tests compile without the DOM library). */
interface Graphic {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBBox(): { x: number; y: number; width: number; height: number };
  getCTM(): { a: number; b: number; c: number; d: number; e: number; f: number };
  getBoundingClientRect(): Rect;
}
interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface SvgRoot {
  querySelectorAll(selector: string): ArrayLike<Graphic>;
  getBoundingClientRect(): Rect;
}

/** The browser's own, for functions run in the page (the tests compile without the DOM library). */
declare function getComputedStyle(element: unknown): { strokeDasharray: string };
