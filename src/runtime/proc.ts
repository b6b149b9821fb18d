// Running the tools netlab drives. Plain child_process: it is the hot path, and a
// lab of 1,000 nodes runs ~1,000 of these.
import { spawn } from "node:child_process";

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
 * Runs many short commands through a few `sh` workers — forking from a small shell costs a
 * fraction of a spawn from Node, which forks on its main thread — and returns each command's
 * stdout. A failing command does not stop the others; its output is whatever it printed.
 */
export async function shellMany(cmds: string[], workers: number, env?: NodeJS.ProcessEnv): Promise<string[]> {
  const out: string[] = new Array(cmds.length).fill("");
  const n = Math.max(1, Math.min(workers, cmds.length));
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      const mine = cmds.map((c, i) => [i, c] as const).filter(([i]) => i % n === w);
      if (!mine.length) return;
      const script = mine.map(([i, c]) => `echo '@@cmd ${i}'\n${c}`).join("\n") + "\n";
      const r = await run(["sh", "-s"], script, env);
      let cur = -1;
      for (const line of r.stdout.split("\n")) {
        const m = /^@@cmd (\d+)$/.exec(line);
        if (m) cur = Number(m[1]);
        else if (cur >= 0 && line) out[cur] += line + "\n";
      }
    }),
  );
  return out;
}
