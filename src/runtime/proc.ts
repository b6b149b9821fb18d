// Running the tools netlab drives. Plain child_process: it is the hot path, and a
// lab of 1,000 nodes runs ~1,000 of these.
import { spawn } from "node:child_process";
import { cpus } from "node:os";

/** Shells that run many small commands (shellMany, the executor's per-namespace steps): a couple per core keeps every core busy. */
export const SHELL_WORKERS = Number(process.env.NETLAB_SHELLS) || Math.max(2, cpus().length * 2);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], env: env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) =>
      resolve({ code: e.code === "ENOENT" ? 127 : 126, stdout: "", stderr: `${argv[0]}: ${e.code === "ENOENT" ? "command not found" : e.message}` }),
    );
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    if (input !== undefined) {
      child.stdin!.on("error", () => {}); // the tool may exit before reading everything
      child.stdin!.end(input);
    }
  });
}

/** Run tasks with at most `limit` in flight; resolves to results in input order. Stops starting new ones after a failure when failFast. */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs many short scripts through a few `sh` workers: Node forks and execs on its main thread,
 * ~1.5 ms a process however many are in flight; a small shell forks in a fraction of that, and
 * several shells use every core. Returns each script's stdout. With stopOnError a worker stops
 * at its first failing script (`set -e`), and the first failure is returned with its stderr.
 */
export async function shellMany(
  scripts: string[],
  workers: number,
  env?: NodeJS.ProcessEnv,
  opts: { stopOnError?: boolean } = {},
): Promise<{ out: string[]; failed?: { index: number; stderr: string; code: number } }> {
  const out: string[] = new Array(scripts.length).fill("");
  let failed: { index: number; stderr: string; code: number } | undefined;
  const n = Math.max(1, Math.min(workers, scripts.length));
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      const mine = scripts.map((c, i) => [i, c] as const).filter(([i]) => i % n === w);
      if (!mine.length) return;
      const body = mine.map(([i, c]) => `echo '@@item ${i}'; echo '@@item ${i}' >&2\n${c}`).join("\n");
      const r = await run(["sh", "-s"], `${opts.stopOnError ? "set -eu\n" : ""}${body}\n`, env);
      let cur = -1;
      for (const line of r.stdout.split("\n")) {
        const m = /^@@item (\d+)$/.exec(line);
        if (m) cur = Number(m[1]);
        else if (cur >= 0 && line) out[cur] += line + "\n";
      }
      if (opts.stopOnError && r.code !== 0 && !failed) {
        const marker = [...r.stderr.matchAll(/^@@item (\d+)$/gm)].pop();
        failed = { index: Number(marker?.[1] ?? mine[0][0]), stderr: marker ? r.stderr.slice(marker.index! + marker[0].length).trim() : r.stderr.trim(), code: r.code };
      }
    }),
  );
  return { out, failed };
}
