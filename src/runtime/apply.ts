// Executes a Plan: journal first, then act; on failure, undo everything journaled.
import { constants, openSync, closeSync, mkdirSync } from "node:fs";
import { mkdir, open, rm, symlink } from "node:fs/promises";
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { ApplyError } from "../lab/errors.js";
import { ipBatchArgv, iptablesTool, renderOp, type Op, type Plan, type Step } from "../plan/ops.js";
import { FILES_ROOT, secureDir, type Entry } from "../state/store.js";
import { inNs, inNsForUser, mustRun, OpFailure, type Context } from "./context.js";
import { outerMountWrap, pidsInNetns } from "./netns.js";
import { cleanIptables, holdSysctls, holdTables, releaseHost, writeSysctls } from "./shared.js";
import { pool, run } from "./proc.js";
import { reAddable, routeKey } from "../net/route.js";
import { timing } from "./timing.js";

export { OpFailure, type Context } from "./context.js";

export const CONCURRENCY = Number(process.env.NETLAB_CONCURRENCY) || Math.max(4, cpus().length * 2);

/** Runs one op. */
export async function runOp(op: Op, ctx: Context): Promise<void> {
  const netnsOnly = op.op === "ip" && op.lines.every((l) => l.startsWith("netns "));
  // A host namespace that is gone took its objects with it; the ledger still lets go of them.
  if (ctx.hostGone && "ns" in op && op.ns === null && !netnsOnly && op.op !== "host-release" && op.op !== "iptables-clean") return;
  switch (op.op) {
    case "ip": {
      const batch = op.lines.join("\n") + "\n";
      const base = ipBatchArgv(op);
      const argv = netnsOnly ? [...outerMountWrap(), ...base] : inNs(ctx, op.ns, base);
      const r = await run(argv, batch);
      if (r.code !== 0 && !op.force) {
        const line = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
        const failed = line ? op.lines[line - 1] : undefined;
        const msg = r.stderr.replace(/Command failed -:\d+\s*/g, "").trim();
        throw new OpFailure(failed ? `ip${op.ns ? ` -n ${op.ns}` : ""} ${failed}` : argv.join(" "), msg || `exit status ${r.code}`, op);
      }
      return;
    }
    case "iptables":
      await mustRun(op, inNs(ctx, op.ns, [iptablesTool(op.family, "-restore"), "--noflush"]), op.text + "\n");
      return;
    case "iptables-clean":
      return cleanIptables(op, ctx);
    case "host-release":
      return releaseHost(op, ctx);
    case "route-override": {
      const key = routeKey(op.route)!;
      const shown = await run(inNs(ctx, op.ns, ["ip", `-${key.family}`, "-o", "route", "show", "exact", key.dst, "table", key.table]));
      const saved = shown.stdout.split("\n").filter(Boolean).map(reAddable).map((r) => (key.table === "main" || / table /.test(r) ? r : `${r} table ${key.table}`));
      // Journaled before the change: a crash right after still gives the host its route back.
      ctx.state?.append({ t: "begin", id: `route-restore ${op.route}`, undo: [{ op: "route-restore", ns: op.ns, route: op.route, saved }] });
      return runOp({ op: "ip", ns: op.ns, lines: [`route replace ${op.route}`] }, ctx);
    }
    case "route-restore":
      return runOp({ op: "ip", ns: op.ns, force: true, lines: [`route delete ${op.route}`, ...op.saved.map((r) => `route add ${r}`)] }, ctx);
    case "sysctl":
      if (op.restore) return holdSysctls(op, ctx);
      return writeSysctls(ctx, op, op.ns, op.values);
    // Files asynchronously: creating one can cost a millisecond of kernel time on some disks,
    // and the event loop meanwhile feeds the shell workers.
    case "write":
      guardFilesRoot(op.path);
      await inDir(op.path, () => writeNoFollow(op.path, op.content));
      return;
    case "symlink":
      guardFilesRoot(op.target);
      await inDir(op.path, () =>
        symlink(op.target, op.path).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== "EEXIST") throw e;
          await rm(op.path, { force: true });
          await symlink(op.target, op.path);
        }),
      );
      return;
    case "rm":
      await rm(op.path, { recursive: true, force: true });
      return;
    case "exec": {
      const r = await run(inNsForUser(ctx, op.ns, ["sh", "-c", op.cmd]), undefined, { ...ctx.env, NETLAB_NODE: op.who });
      if (r.code !== 0) {
        throw new OpFailure(`exec on ${op.who}: ${op.cmd}`, (r.stderr || r.stdout).trim() || `exit status ${r.code}`, op);
      }
      return;
    }
    case "spawn": {
      mkdirSync(dirname(op.log), { recursive: true });
      const fd = openSync(op.log, "a", 0o600);
      const child = spawn("ip", ["netns", "exec", op.ns, "sh", "-c", op.cmd], { detached: true, stdio: ["ignore", fd, fd], env: { ...ctx.env, NETLAB_NODE: op.who } });
      closeSync(fd);
      const pid = await new Promise<number>((resolve, reject) => {
        child.once("spawn", () => resolve(child.pid!));
        child.once("error", (e) => reject(new OpFailure(`ip netns exec ${op.ns} sh -c ${op.cmd}`, e.message, op)));
      });
      child.unref();
      ctx.state?.append({ t: "proc", who: op.who, pid, cmd: op.cmd, log: op.log });
      return;
    }
    case "kill-ns":
      await killNamespaces(op.names);
      return;
  }
}

/** Name files go below FILES_ROOT only once it is verified root's own (see filesDirFor). */
let filesRootChecked = false;
function guardFilesRoot(path: string): void {
  if (filesRootChecked || !path.startsWith(FILES_ROOT + "/")) return;
  secureDir(FILES_ROOT);
  filesRootChecked = true;
}

/** A name file, never written through a symbolic link someone left in its place. */
async function writeNoFollow(path: string, content: string): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
}

/** Creates path's directory only when the first try says it is missing. */
async function inDir(path: string, make: () => Promise<void>): Promise<void> {
  try {
    await make();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await make();
  }
}

/** SIGTERM everything inside the namespaces, wait, then SIGKILL what is left. */
export async function killNamespaces(names: string[], graceMs = 2000): Promise<void> {
  let pids = pidsInNetns(names);
  if (!pids.length) return;
  for (const p of pids) try { process.kill(p, "SIGTERM"); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    pids = pidsInNetns(names);
    if (!pids.length) return;
  }
  for (const p of pids) try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
  for (let i = 0; i < 40 && pidsInNetns(names).length; i++) await new Promise((r) => setTimeout(r, 25));
}

const isFileOp = (op: Op) => op.op === "write" || op.op === "symlink" || op.op === "rm";
/** A step of file operations (the nodes' name files) touches distinct paths: this many at once. */
const FILE_OPS_AT_ONCE = 16;

async function runStep(step: Step, ctx: Context): Promise<void> {
  if (step.ops.every(isFileOp)) await pool(step.ops, FILE_OPS_AT_ONCE, (op) => runOp(op, ctx));
  else for (const op of step.ops) await runOp(op, ctx);
}

/** A step made only of kernel tools run inside one of the lab's namespaces. */
function shellable(step: Step): boolean {
  return step.ops.length > 0 && step.ops.every((o) => (o.op === "ip" || o.op === "sysctl" || o.op === "iptables") && o.ns !== null && !(o.op === "ip" && o.force));
}

/** Shells that run per-namespace steps: a couple per core keeps every core busy. */
export const SHELL_WORKERS = Number(process.env.NETLAB_SHELLS) || Math.max(2, cpus().length * 2);

/**
 * Runs many small steps through one `sh`. Node forks and execs on its main thread, ~1.5 ms
 * a process however many are in flight; a small shell forks in a fraction of that, and
 * several shells use every core. For a 1,000-node lab this is most of the time `up` takes.
 * The shell runs exactly what --dry-run prints (renderOp); a marker before each op says
 * which one failed.
 */
async function runInShell(steps: Step[], ctx: Context): Promise<void> {
  if (!steps.length) return;
  const ops: Op[] = [];
  const lines = ["set -eu"];
  for (const step of steps)
    for (const op of step.ops) {
      lines.push(`echo '@@op ${ops.length}' >&2`, renderOp(op));
      ops.push(op);
    }
  const r = await run(["sh", "-s"], lines.join("\n") + "\n", ctx.env);
  timing(`shell worker: ${steps.length} steps`);
  if (r.code === 0) return;
  const marker = [...r.stderr.matchAll(/^@@op (\d+)$/gm)].pop();
  const op = ops[Number(marker?.[1] ?? 0)];
  const stderr = marker ? r.stderr.slice(marker.index! + marker[0].length).trim() : r.stderr.trim();
  const line = Number(/Command failed -:(\d+)/.exec(stderr)?.[1] ?? 0);
  const msg = stderr.replace(/Command failed -:\d+\s*/g, "").trim() || `exit status ${r.code}`;
  const ns = "ns" in op ? op.ns : null;
  const command = op.op === "ip" && op.lines[line - 1] ? `ip -n ${ns} ${op.lines[line - 1]}` : renderOp(op).split("\n")[0];
  throw new OpFailure(command, msg, op);
}

/** Apply a plan; on failure roll back what was journaled and throw ApplyError. */
export async function applyPlan(plan: Plan, ctx: Context): Promise<void> {
  const journaled: Entry[] = [];
  try {
    for (const phase of plan.phases) {
      if (!phase.steps.length) continue;
      ctx.progress?.(phase.name);
      const t0 = Date.now();
      await holdTables(phase.steps, ctx);
      // Journal every undo of the phase before touching anything.
      const begins: Entry[] = phase.steps.filter((s) => s.undo.length).map((s) => ({ t: "begin", id: s.id, undo: s.undo }));
      ctx.state?.append({ t: "phase", name: phase.name }, ...begins);
      journaled.push(...begins);
      if (phase.concurrent) {
        let failure: unknown = null;
        const batched = phase.steps.filter(shellable);
        const rest = phase.steps.filter((s) => !shellable(s));
        const workers = Math.min(SHELL_WORKERS, batched.length);
        const chunks = Array.from({ length: workers }, (_, i) => batched.filter((_, k) => k % workers === i));
        await Promise.all([
          ...chunks.map((chunk) => runInShell(chunk, ctx).catch((e) => { failure ??= e; })),
          pool(rest, CONCURRENCY, async (s) => {
            if (failure) return;
            try {
              await runStep(s, ctx);
            } catch (e) {
              failure ??= e;
            }
          }).then(() => timing(`${rest.length} other steps`)),
        ]);
        if (failure) throw failure;
      } else {
        for (const s of phase.steps) for (const op of s.ops) await runOp(op, ctx);
      }
      timing(`${phase.name}: ${Date.now() - t0}ms (${phase.steps.length} steps)`);
      await ctx.afterPhase?.(phase.name);
    }
    ctx.state?.append({ t: "complete" });
  } catch (e) {
    ctx.progress?.("rolling back");
    await undoEntries(ctx.state ? ctx.state.journal() : journaled, ctx);
    if (e instanceof OpFailure) {
      throw new ApplyError(`${plan.lab}: a command failed, and everything netlab had made was removed again`, e.command, e.stderr, hintFor(e.stderr));
    }
    throw e;
  }
}

function hintFor(stderr: string): string | undefined {
  if (/File exists/.test(stderr)) return "something with that name already exists; is another lab or tool using it?";
  if (/command not found|not found/.test(stderr)) return "a program is missing: run scripts/setup.sh, or install the package that provides it";
  if (/Operation not permitted|Permission denied/.test(stderr)) return "netlab needs root: run it with sudo";
  return undefined;
}

/** Undo every begun step, newest first. Best effort: keeps going and reports what it could not undo. */
export async function undoEntries(entries: Entry[], ctx: Context): Promise<string[]> {
  const undos = entries.filter((e): e is Extract<Entry, { t: "begin" }> => e.t === "begin").reverse();
  const problems: string[] = [];
  const undo = async (op: Op) => {
    try {
      await runOp(op.op === "ip" ? { ...op, force: true } : op, { ...ctx, state: null });
    } catch (err) {
      problems.push(err instanceof OpFailure ? `${err.command}: ${err.stderr}` : String(err));
    }
  };
  for (const e of undos) {
    if (e.undo.every(isFileOp)) {
      await pool(e.undo, FILE_OPS_AT_ONCE, undo);
      continue;
    }
    for (const op of e.undo) {
      await undo(op);
      timing(`undo ${op.op}${"ns" in op && op.ns ? ` in ${op.ns}` : ""}`);
    }
  }
  return problems;
}

