/** A prom-client Registry by shape, not `instanceof`: the host's prom-client may be another copy than ours. */
export function isRegistry(value: unknown): boolean {
  const registry = value as { registerMetric?: unknown; metrics?: unknown } | null;
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof registry.registerMetric === 'function' &&
    typeof registry.metrics === 'function'
  );
}
