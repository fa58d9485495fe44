/**
 * The groups of nodes that reach each other over `edges`, directly or through others (connected
 * components): each group sorted, the biggest first (ties: by the first node ID). A node without
 * any edge is a group of its own; edges naming unknown nodes are ignored.
 */
export function islands(
  nodes: readonly string[],
  edges: ReadonlyArray<readonly [string, string]>,
): string[][] {
  const parent = new Map<string, string>(nodes.map((node) => [node, node]));
  const root = (node: string): string => {
    let at = node;
    while (parent.get(at) !== at) at = parent.get(at)!;
    // Path compression: later lookups are direct.
    for (let step = node; step !== at;) {
      const next = parent.get(step)!;
      parent.set(step, at);
      step = next;
    }
    return at;
  };
  for (const [a, b] of edges) {
    if (!parent.has(a) || !parent.has(b)) continue;
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const groups = new Map<string, string[]>();
  for (const node of parent.keys()) {
    const key = root(node);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(node);
  }
  return [...groups.values()]
    .map((group) => group.sort())
    .sort((x, y) => y.length - x.length || (x[0]! < y[0]! ? -1 : 1));
}
