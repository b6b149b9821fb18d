// NETLAB_TIMING=1: where the time of a command goes, on stderr, in ms since the process started.
// The global performance: node:perf_hooks would cost every command ~1 ms to load.

const on = !!process.env.NETLAB_TIMING;

export function timing(msg: string): void {
  if (on) process.stderr.write(`[timing] ${Math.round(performance.now())}ms ${msg}\n`);
}
