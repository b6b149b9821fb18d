// What apply changes inside a namespace that stays: a node's addresses, routes and ip rules, its
// links' impairments, its run: services, the name files, the host's sysctls, and the --dry-run
// text of the host's ruleset sync.
import type { Lab } from "../lab/model.js";
import type { Op, Step } from "../plan/ops.js";
import { syncScript } from "../runtime/iptables-live.js";
import { heredoc } from "../shell.js";
import { inNsText, iptablesTool } from "../runtime/tools.js";
import { renderOp } from "../runtime/ops/index.js";
import { aboutIface } from "./joins.js";

/** One change: the ops that bring a step (or a node) from old to new, and the undo to journal for it. */
export interface Change {
  id: string;
  title: string;
  ops: Op[];
  /** The undo the journal needs from now on (a step that is new, or whose undo grew), or none. */
  undo: Op[];
  /** The step's undo as the new plan has it: which tables the lab holds (holdTables). */
  holds: Op[];
  /** Interfaces to wait for until they are gone (the far ends of removed nodes' cables), by namespace. */
  gone?: { ns: string | null; name: string }[];
  /** Removed nodes whose services the journal forgets. */
  retire?: string[];
  /** Interfaces it makes in the lab's host that must not exist yet (the bridges of networks new to the lab). */
  makes?: string[];
  /** Namespaces it makes (of the nodes it adds). */
  spaces?: string[];
  /** Logs of `run:` services it stops for good: the journal forgets them. */
  logs?: string[];
}

const text = (ops: Op[]) => ops.map(renderOp).join("\n");

/** The lines of a node's `ip -batch` that apply changes in place. */
export const MUTABLE = /^(-6 )?(address|route|rule) /;

/**
 * A node's addresses, routes and ip rules as the new version has them: what no version wants any
 * more deleted (already gone is fine), then every wanted one made idempotently (address and
 * route replace; a rule deleted, then added, so never twice).
 */
export function readdress(olds: Step[], b: Step, leaving: string[] = []): Op[] {
  const lines = (s: Step) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines.filter((l) => MUTABLE.test(l)) : []));
  const ns = [...olds, b].flatMap((s) => s.ops).find((o) => o.op === "ip")?.ns ?? null;
  const del = (l: string) => l.replace(/^((?:-6 )?(?:address|route|rule)) (?:add|replace) /, "$1 del ").replace(/ nodad$/, "");
  // Not on an interface deleted with it (a network left): its addresses and routes went with it.
  const gone = [...new Set(olds.flatMap(lines))].filter((l) => !lines(b).includes(l) && !aboutIface(leaving)(l));
  const rule = (l: string) => / rule add /.test(` ${l}`);
  // Each wanted line once, idempotent: an address or route replaced, a rule added once the
  // first op has deleted it (whether or not it was there).
  const want = lines(b).map((l) => l.replace(/^((?:-6 )?address) add /, "$1 replace "));
  // What goes, goes first (a deleted address takes its routes along); then everything wanted,
  // past any error, so one line the kernel rejects leaves the rest in place — and is reported.
  const ops: Op[] = [{ op: "ip", ns, force: true, lines: [...gone, ...want.filter(rule)].map(del) }, { op: "ip", ns, force: "report", lines: want }];
  return ops.filter((o) => o.op === "ip" && o.lines.length);
}

/** A node's impairments as the new version has them: its root qdiscs replaced, and removed from interfaces that no longer have one (not from those deleted: `leaving`). */
export function impairments(olds: Step[], b: Step, leaving: string[] = []): Op[] {
  const tc = (s: Step) => s.ops.filter((o): o is Extract<Op, { op: "tc" }> => o.op === "tc");
  const devs = (s: Step) => tc(s).flatMap((o) => o.lines.map((l) => /^qdisc replace dev (\S+) root/.exec(l)?.[1] ?? ""));
  const gone = [...new Set(olds.flatMap(devs))].filter((d) => d && !devs(b).includes(d) && !leaving.includes(d));
  const ns = [...olds, b].flatMap(tc)[0]?.ns ?? null;
  // The kernel's default root qdisc comes back when netlab's is deleted.
  return [...(gone.length ? [{ op: "tc", ns, lines: gone.map((d) => `qdisc del dev ${d} root`) } as Op] : []), ...tc(b)];
}

/**
 * --dry-run of the host's rules: the restore that runs when the live rules are what the old
 * version made — its chains rewritten, the ones it no longer wants and their jumps removed,
 * missing jumps added — exactly what run() computes from iptables-save.
 */
export function dryRunSync(c: { ops: Op[] }, old: Step | undefined): string {
  const out: string[] = [];
  for (const op of c.ops) {
    if (op.op !== "iptables" || !op.owner) {
      out.push(renderOp(op));
      continue;
    }
    const was = old?.ops.find((o): o is Extract<Op, { op: "iptables" }> => o.op === "iptables" && o.family === op.family && !!o.owner);
    const save = was ? asSaved(was) : "";
    out.push(heredoc(inNsText(op.ns, `${iptablesTool(op.family, "-restore")} --noflush`), syncScript(save, op.text, op.jumps ?? [], op.owner).trimEnd()));
  }
  return out.join("\n");
}

/** An iptables op as iptables-save would list it once loaded: each table's chains, rules and jumps. */
function asSaved(op: Extract<Op, { op: "iptables" }>): string {
  const out: string[] = [];
  for (const block of op.text.split("COMMIT").map((b) => b.trim()).filter(Boolean)) {
    const table = block.split("\n")[0].slice(1);
    const jumps = (op.jumps ?? []).filter((j) => j.table === table).map((j) => `-A ${j.chain} ${j.spec}`);
    out.push(block, ...jumps, "COMMIT");
  }
  return out.join("\n");
}

/**
 * A `run:` service of a node that stays, whose command changed, came or went: the running one
 * stopped (its journaled process group) and the new one started, logging where the old one did;
 * one no version wants any more is stopped, and its log named for the journal to forget.
 */
export function restart(olds: Step[], b: Step | undefined): { title: string; ops: Op[]; logs?: string[] } {
  const spawnOf = (s: Step) => s.ops.find((o): o is Extract<Op, { op: "spawn" }> => o.op === "spawn")!;
  const was = olds.map(spawnOf)[0];
  const stop: Op[] = was ? [{ op: "stop", who: was.who, log: was.log }] : [];
  if (!b) return { title: `stop on ${was.who}: ${was.cmd}`, ops: stop, logs: [was.log] };
  return { title: b.title.replace(/^start/, was ? "restart" : "start"), ops: [...stop, ...b.ops] };
}

/**
 * The name files as the new version has them: each file and link some live version lacks written
 * (both idempotent), the links of namespaces no version wants any more removed; the new undo
 * journaled where it names links the old one did not.
 */
export function nameFiles(olds: Step[], b: Step): Change {
  const rms = (s: Step) => s.undo.filter((o): o is Extract<Op, { op: "rm" }> => o.op === "rm" && !!o.link);
  const wanted = new Set(rms(b).map((o) => o.path));
  const seen = new Set<string>();
  const stale = olds.flatMap(rms).filter((o) => !wanted.has(o.path) && !seen.has(o.path) && !!seen.add(o.path));
  const key = (o: { path: string; link?: string }) => `${o.path}\0${o.link}`;
  const grew = olds.some((o) => {
    const had = new Set(rms(o).map(key));
    return rms(b).some((r) => !had.has(key(r)));
  });
  // Only what some live version lacks: one node more in a 1,000-node star writes one link, not a thousand.
  const had = olds.map((o) => new Set(o.ops.map((op) => JSON.stringify(op))));
  const ops = b.ops.filter((op) => had.some((h) => !h.has(JSON.stringify(op))));
  // A file of its own a node no longer has (files:) goes from its directory, netlab's.
  const writes = (s: Step) => s.ops.flatMap((o) => (o.op === "write" ? [o.path] : []));
  const kept = new Set(writes(b));
  const dropped = [...new Set(olds.flatMap(writes))].filter((p) => !kept.has(p)).map((path): Op => ({ op: "rm", path }));
  return { id: b.id, title: b.title, ops: [...ops, ...stale, ...dropped], undo: grew ? b.undo : [], holds: [] };
}

/**
 * The host's sysctls as the new version has them: held and set through the ledger (a shared
 * host) or set (the lab's own); the ones it no longer sets let go (back to their value before
 * netlab where no lab holds them); the new undo journaled where it names more.
 */
export function hostSysctls(olds: Step[], b: Step | undefined, up: Step | undefined, now: Lab): Change {
  const keys = (s?: Step) => s?.ops.flatMap((o) => (o.op === "sysctl" ? Object.keys(o.values) : [])) ?? [];
  const ns = [b, ...olds].flatMap((s) => s?.ops ?? []).find((o) => o.op === "sysctl")?.ns ?? null;
  const gone = [...new Set(olds.flatMap(keys))].filter((k) => !keys(b).includes(k));
  const release: Op[] = gone.length && ns === null ? [{ op: "host-release", ns, lab: now.name, sysctls: gone }] : [];
  const undo = b && b.undo.length && text(up?.undo ?? []) !== text(b.undo) ? b.undo : [];
  return { id: "host-sysctls", title: b?.title ?? olds[0].title, ops: [...(b?.ops ?? []), ...release], undo, holds: [] };
}
