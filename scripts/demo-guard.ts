// Loaded into each demo node before dist/main.js (`node --import`): when the demo dies without
// stopping its nodes (SIGKILL, crash), the node's stdin pipe from the demo ends and the node stops
// itself gracefully, its database included — no orphaned nodes or PostgreSQL servers.
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => (signalled = true));
}
// The demo's end closes the node's output pipes too: a log line would then crash the node with
// EPIPE halfway through stopping, leaving its PostgreSQL running. Such lines are lost instead.
for (const output of [process.stdout, process.stderr]) output.on('error', () => undefined);
// A node that got its stop signal already would take a second one as "exit without stopping".
const orphaned = (): void => {
  if (!signalled) process.kill(process.pid, 'SIGTERM');
};
process.stdin.on('end', orphaned).on('error', orphaned).resume();
// Only a watcher: the pipe must not keep the node alive.
(process.stdin as { unref?: () => void }).unref?.();
