// Executes a Plan: journal first, then act; on failure, undo everything journaled.
import { cpus } from "node:os";
import { ApplyError, OpFailure } from "../errors.js";
import type { Op, Plan, Step } from "../plan/ops.js";
import type { Entry } from "../state/store.js";
import type { Context } from "./context.js";
import { renderOp, runOp, shellableOp } from "./ops/index.js";
import { pool, SHELL_WORKERS, shellMany } from "./proc.js";
import { holdTables } from "./shared.js";
import { timing } from "./timing.js";

export { OpFailure };
export type { Context };

export const CONCURRENCY = Number(process.env.NETLAB_CONCURRENCY) || Math.max(4, cpus().length * 2);

export { runOp } from "./ops/index.js";

/** A step of file operations (the nodes' name files) touches distinct paths: this many at once. */
const FILE_OPS_AT_ONCE = 16;
const isFileOp = (op: Op) => op.op === "write" || op.op === "symlink" || op.op === "rm";

async function runStep(step: Step, ctx: Context): Promise<void> {
  if (step.ops.every(isFileOp)) await pool(step.ops, FILE_OPS_AT_ONCE, (op) => runOp(op, ctx));
  else for (const op of step.ops) await runOp(op, ctx);
}

/** A step made only of kernel tools run inside one of the lab's namespaces: a shell worker runs it. */
const shellable = (step: Step) => step.ops.length > 0 && step.ops.every(shellableOp);

/**
 * Runs many small steps through one `sh`. Node forks and execs on its main thread, ~1.5 ms
 * a process however many are in flight; a small shell forks in a fraction of that, and
 * several shells use every core. For a 1,000-node lab this is most of the time `up` takes.
 * The shell runs exactly what --dry-run prints (renderOp); a marker before each op says
 * which one failed.
 */
async function runInShell(steps: Step[], ctx: Context): Promise<void> {
  if (!steps.length) return;
  const scripts = steps.map((step) => step.ops.map((op, j) => `echo '@@op ${j}' >&2\n${renderOp(op)}`).join("\n"));
  const { failed } = await shellMany(scripts, SHELL_WORKERS, ctx.env, { stopOnError: true });
  timing(`shell workers: ${steps.length} steps`);
  if (!failed) return;
  const step = steps[failed.index];
  const marker = [...failed.stderr.matchAll(/^@@op (\d+)$/gm)].pop();
  const op = step.ops[Number(marker?.[1] ?? 0)];
  const stderr = marker ? failed.stderr.slice(marker.index! + marker[0].length).trim() : failed.stderr;
  const line = Number(/Command failed -:(\d+)/.exec(stderr)?.[1] ?? 0);
  const msg = stderr.replace(/Command failed -:\d+\s*/g, "").trim() || `exit status ${failed.code}`;
  const ns = "ns" in op ? op.ns : null;
  const command = op.op === "ip" && op.lines[line - 1] ? `ip -n ${ns} ${op.lines[line - 1]}` : renderOp(op).split("\n")[0];
  throw new OpFailure(command, msg, op);
}

/**
 * The lab's DNS servers (`run:_dns…`, no undo: their pids are journaled as they start) load — a
 * Node process each, ~85 ms — while the rest of the lab is made: started once the namespaces
 * exist, not after every node, they bind their addresses as those come (dns/server.ts).
 */
const startsEarly = (s: Step) => s.id.startsWith("run:_dns") && !s.undo.length;

/** Apply a plan; on failure roll back what was journaled and throw ApplyError. */
export async function applyPlan(plan: Plan, ctx: Context): Promise<void> {
  const journaled: Entry[] = [];
  const early = plan.phases.some((p) => p.name === "namespaces") ? plan.phases.flatMap((p) => p.steps).filter(startsEarly) : [];
  try {
    for (const phase of plan.phases) {
      const steps = phase.steps.filter((s) => !early.includes(s));
      if (!steps.length && !(phase.name === "namespaces" && early.length)) continue;
      ctx.progress?.(phase.name);
      const t0 = Date.now();
      // Journal every undo of the phase before touching anything (the ledger included).
      const begins: Entry[] = steps.filter((s) => s.undo.length).map((s) => ({ t: "begin", id: s.id, undo: s.undo }));
      ctx.state?.append({ t: "phase", name: phase.name }, ...begins);
      journaled.push(...begins);
      await holdTables(steps, ctx);
      if (phase.concurrent) {
        let failure: unknown = null;
        const batched = steps.filter(shellable);
        const rest = steps.filter((s) => !shellable(s));
        await Promise.all([
          runInShell(batched, ctx).catch((e) => { failure ??= e; }),
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
        for (const s of steps) for (const op of s.ops) await runOp(op, ctx);
      }
      ctx.saved = undefined; // holdTables' save is for its own phase only
      if (phase.name === "namespaces") for (const s of early) await runStep(s, ctx);
      timing(`${phase.name}: ${Date.now() - t0}ms (${steps.length} steps)`);
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
  // Namespaces an apply removed are no longer the lab's: the undos journaled before their
  // removal leave them alone (another may have made one of that name since); later ones are the lab's again.
  const undos: Extract<Entry, { t: "begin" }>[] = [];
  const retired = new Set<string>();
  for (const e of [...entries].reverse()) {
    if (e.t === "retire") for (const ns of e.spaces ?? []) retired.add(ns);
    if (e.t === "begin") undos.push(retired.size ? { ...e, undo: e.undo.flatMap((op) => withoutSpaces(op, retired)) } : e);
  }
  const problems: string[] = [];
  const undo = async (op: Op) => {
    try {
      await runOp(op.op === "ip" ? { ...op, force: true } : op, { ...ctx, state: null });
    } catch (err) {
      problems.push(err instanceof OpFailure ? `${err.command}: ${err.stderr}` : String(err));
    }
  };
  // The host's rules are cleaned while links and namespaces go (they name interfaces, which
  // need not exist); anything else waits for them (an ipset in use by a rule cannot be destroyed).
  let cleaning: Promise<void>[] = [];
  const settle = async () => void (await Promise.all(cleaning), (cleaning = []));
  for (const e of undos) {
    if (e.undo.every(isFileOp)) {
      await pool(e.undo, FILE_OPS_AT_ONCE, undo);
      continue;
    }
    for (const op of e.undo) {
      const label = `undo ${op.op}${"ns" in op && op.ns ? ` in ${op.ns}` : ""}`;
      if (op.op === "iptables-clean" && op.ns === null) {
        cleaning.push(undo(op).then(() => timing(label)));
        continue;
      }
      if (!OVERLAPS_CLEAN.has(op.op)) await settle();
      await undo(op);
      timing(label);
    }
  }
  await settle();
  return problems;
}

/** Undo ops that may run while the host's rules are being cleaned. */
const OVERLAPS_CLEAN: ReadonlySet<Op["op"]> = new Set(["ip", "kill-ns", "rm"]);


/** An undo op without the namespaces in `gone`: the op dropped where it acts inside one. */
function withoutSpaces(op: Op, gone: Set<string>): Op[] {
  if (op.op === "kill-ns") return op.names.some((n) => !gone.has(n)) ? [{ ...op, names: op.names.filter((n) => !gone.has(n)) }] : [];
  if ("ns" in op && op.ns !== null && gone.has(op.ns)) return [];
  if (op.op === "ip" && op.ns === null) return [{ ...op, lines: op.lines.filter((l) => !/^netns delete /.test(l) || !gone.has(l.split(" ")[2])) }];
  return [op];
}
