// `netlab apply FILE`: a lab that is up is brought to what its file now says, touching only
// what changed — the workshop loop (edit, apply, look, curl, edit again) without losing the
// flows conntrack tracks, a running capture or the DNS log.
//
// The plan of the lab as it is up (compiled again from its saved state) and the plan of the
// new file are compared step by step (steps have stable ids: host-iptables, node:<name>…), op
// by op through their rendered commands. What this version changes in place is what rulesets
// hold — firewalls, published ports, NAT and isolation rules — in the host (a sync: the lab's
// chains rewritten, the ones no longer wanted removed, its jumps kept) and in nodes (their own
// tables reloaded), links' impairments (a node's root qdiscs replaced) and a node's addresses,
// routes and ip rules. An edit that changes anything else (devices, namespaces, sysctls, files,
// services, names) is refused before anything is touched, naming what it changes.
import { LabError, UsageError, type Problem } from "./errors.js";
import type { ComposeOptions } from "./compose/env.js";
import { labHash, planFor, up, type UpOptions } from "./api.js";
import { loadLab, sourceOf } from "./lab/load.js";
import type { Lab } from "./lab/model.js";
import { factsOf } from "./plan/facts.js";
import { hostsEntries } from "./lab/hosts.js";
import { labEdits } from "./lab/diff.js";
import { conntrackOnApply } from "./plan/features/conntrack.js";
import type { Op, Plan, Step } from "./plan/ops.js";
import { emptyTables, syncScript, tablesIn } from "./runtime/iptables-live.js";
import { impairmentsPossible, publishClashes } from "./runtime/preflight.js";
import { heredoc } from "./shell.js";
import { inNsText, iptablesTool, requireRoot, requireTools } from "./runtime/tools.js";
import { hostWrap } from "./runtime/netns.js";
import { renderOp, runOp } from "./runtime/ops/index.js";
import { holdTables } from "./runtime/shared.js";
import { loadForHost } from "./runtime/host-subnets.js";
import { labEnv, markSelf } from "./runtime/env.js";
import { LabState, type Meta } from "./state/store.js";
import type { Context } from "./runtime/context.js";
import { timing } from "./runtime/timing.js";

export interface ApplyResult {
  lab: Lab;
  /** "up": it was not up and came up; "unchanged": nothing in the kernel differs; "changed": steps changed in place. */
  outcome: "up" | "unchanged" | "changed";
  /** Titles of the steps changed in place. */
  changed: string[];
  /** --dry-run: the commands of the difference (or of `up`, for a lab that is not up). */
  script?: string;
  ms: number;
}

/** One step's change: the ops that bring it from old to new, and the undo to journal for it. */
interface Change {
  id: string;
  title: string;
  ops: Op[];
  /** The undo the journal needs from now on (a step that is new, or whose undo grew), or none. */
  undo: Op[];
  /** The step's undo as the new plan has it: which tables the lab holds (holdTables). */
  holds: Op[];
}

const RULE_OPS: ReadonlySet<Op["op"]> = new Set(["iptables", "ipset"]);
const text = (ops: Op[]) => ops.map(renderOp).join("\n");

/**
 * Brings the lab FILE names to what FILE says. Not up: `up`. Up and unchanged: nothing.
 * Up and changed: only the difference, under the lab's lock; nothing at all when the file is
 * bad (exit 2, as `up`) or changes what this version cannot change in place (UsageError).
 */
export async function apply(ref: string, opts: UpOptions & { compose?: ComposeOptions } = {}): Promise<ApplyResult> {
  const t0 = Date.now();
  const load = (isolated?: boolean) => (opts.dryRun ? Promise.resolve(loadLab(ref, { isolated, compose: opts.compose })) : loadForHost(ref, isolated, opts.compose));
  let lab = await load(opts.isolated);
  timing("loaded");
  const state = new LabState(lab.name);
  const meta = state.complete() ? state.readMeta() : null;
  timing("state read");
  // A lab that is up --isolated stays so: its next version is loaded the same way.
  if (meta?.lab.isolated && !lab.isolated) lab = await load(true);
  if (!meta) {
    const r = await up(ref, opts);
    return { lab: r.lab, outcome: "up", changed: [], script: r.script, ms: Date.now() - t0 };
  }
  if (opts.dryRun) return plan(lab, meta, state, t0, state.readPending());
  requireRoot("netlab apply");
  requireTools(["ip", "flock"]);
  await impairmentsPossible(lab); // a qdisc the kernel lacks is refused, named, before anything is touched
  const release = await state.lock((holder) => opts.progress?.(`waiting for netlab${holder ? ` (pid ${holder})` : ""}, which is working on ${lab.name}`));
  try {
    // Read again under the lock: another apply may have changed it while we waited.
    const now = state.complete() ? state.readMeta() : null;
    if (!now) throw new UsageError(`lab ${lab.name} went down while apply waited for it`, `netlab apply ${ref} brings it up`);
    const pending = state.readPending();
    const r = plan(lab, now, state, t0, pending);
    if (!r.newPlan) return r;
    // Recorded first, beside any earlier unfinished one: a kill or a failed command from here on
    // leaves this version half in place, and the next apply redoes every step any of them differ in.
    state.writePending([...pending.filter((p) => labHash(p) !== labHash(lab)), lab]);
    const ctx: Context = { lab: lab.name, hostId: now.host.id, hostWrap: hostWrap(now.host) ?? [], state, env: labEnv(lab.name, state.instance()), progress: opts.progress };
    markSelf(lab.name, state.instance());
    for (const c of r.changes) {
      opts.progress?.(c.title);
      // Journal first, as up does: a kill from here on leaves what down removes.
      if (c.undo.length) state.append({ t: "begin", id: c.id, undo: c.undo });
      await holdTables([{ id: c.id, title: c.title, ops: c.ops, undo: c.holds }], ctx);
      for (const op of c.ops) await runOp(op, ctx);
    }
    // The new version is the lab's only once it is in place: a kill before this leaves the old
    // one recorded, and the next apply does the same (idempotent) work again.
    state.writeMeta({ ...now, lab, facts: factsOf(lab, r.newPlan!), hash: labHash(lab) });
    state.writePending([]);
    // A difference the kernel never sees (a description) is recorded all the same: up and status read this version.
    return { lab, outcome: r.outcome, changed: r.changed, ms: Date.now() - t0 };
  } finally {
    release();
  }
}

/** The difference between the lab as it is up (`meta`) and `lab`, as changes to make; refused when one cannot be made in place. */
function plan(lab: Lab, meta: Meta, state: LabState, t0: number, pending: Lab[]): ApplyResult & { changes: Change[]; newPlan: Plan | null } {
  // Unchanged costs a hash, not a plan: a 1,000-node lab says so at once.
  if (labHash(lab) === meta.hash && !pending.length) return { lab, outcome: "unchanged", changed: [], changes: [], newPlan: null, script: "", ms: Date.now() - t0 };
  // A host port another lab publishes here: refused as up refuses it, with the key that clashes.
  const problems: Problem[] = [];
  publishClashes(lab, (key, message, hint) => problems.push(sourceOf(lab)?.problem(key, message, hint) ?? { loc: { file: lab.file, line: 1, column: 1 }, key, message, hint }), meta.host.id);
  if (problems.length) throw new LabError(problems);
  const newPlan = planFor(lab, state);
  const oldPlan = planFor(meta.lab, state);
  timing("both versions planned");
  const steps = (p: Plan) => new Map(p.phases.flatMap((ph) => ph.steps).map((s) => [s.id, s]));
  const [was, will] = [steps(oldPlan), steps(newPlan)];
  // After an unfinished apply, a step may be as any of those versions has it: one that differs
  // from the new version in any is redone (every change here converges, whatever it starts from).
  const halves = pending.map((p) => steps(planFor(p, state)));
  const same = (x?: Step, y?: Step) => (!x && !y) || (!!x && !!y && text(x.ops) === text(y.ops) && text(x.undo) === text(y.undo));
  const changes: Change[] = [];
  const refused: string[] = [];
  for (const id of new Set([...was.keys(), ...will.keys(), ...halves.flatMap((h) => [...h.keys()])])) {
    const b = will.get(id);
    const olds = [was.get(id), ...halves.map((h) => h.get(id))];
    if (olds.every((o) => same(o, b))) continue;
    const c = change(id, olds, b, [meta.lab, ...pending], lab);
    if (c) changes.push(c);
    else refused.push((b ?? olds.find(Boolean))!.title);
  }
  // A name the lab's DNS server answers (or a hosts file lists) that now means another address:
  // the server reads its records once, at start — not a change apply makes yet.
  const names = (l: Lab) => JSON.stringify(l.nodes.map((n) => hostsEntries(l, n)));
  const renamed = names(meta.lab) !== names(lab) ? ["the addresses the lab's DNS server and hosts files give its names"] : [];
  const execs = lab.nodes.filter((n) => n.exec.length && refused.includes(will.get(`node:${n.name}`)?.title ?? "")).map((n) => `node ${n.name}'s firewall (its exec: commands may have added rules that reloading its tables would lose)`);
  if (refused.length || renamed.length) {
    const what = [...labEdits(meta.lab, lab), ...renamed, ...execs];
    throw new UsageError(
      `netlab apply changes rules, firewalls, published ports, link impairments and a node's routes of a lab that is up; this edit also changes ${what.length ? what.join("; ") : refused.join(", ")}, which it cannot yet change in place`,
      `sudo netlab down ${lab.name} && sudo netlab up${lab.isolated ? " --isolated" : ""} ${lab.file}`,
    );
  }
  timing("steps compared");
  const script = changes.map((c) => `# change: ${c.title}\n${c.id === "host-iptables" ? dryRunSync(c, was.get(c.id)) : text(c.ops)}`).join("\n");
  const outcome = changes.length ? "changed" : "unchanged";
  return { lab, outcome, changed: changes.map((c) => c.title), changes, newPlan, script, ms: Date.now() - t0 };
}

/**
 * How step `id` goes from whichever of `olds` is live (the version up, then any an unfinished
 * apply began; undefined where a version has no such step) to `b`, or null where it cannot in
 * place. The host's rules: the new ruleset synced, families and chains no version wants removed
 * (a new step journals its undo). A node: only its rules may differ; its own tables (those any
 * version loads) are emptied and loaded again — the namespace is netlab's, everything in it the lab's.
 */
function change(id: string, olds: (Step | undefined)[], b: Step | undefined, labs: Lab[], now: Lab): Change | null {
  const present = olds.filter((o): o is Step => !!o);
  const rulesOnly = (s?: Step) => !s || s.ops.every((o) => RULE_OPS.has(o.op) || o.op === "conntrack");
  const ipt = (s?: Step) => (s?.ops ?? []).filter((o): o is Extract<Op, { op: "iptables" }> => o.op === "iptables");
  if (id === "host-iptables" && present.every(rulesOnly) && rulesOnly(b)) {
    // Flows are forgotten only where the translation changed: ports published anew (UDP), or no more; NAT gone.
    const ns = [b, ...present].flatMap(ipt)[0]?.ns ?? null;
    const forget = conntrackOnApply(labs, now, null, ns);
    // A family whose rules the new version drops altogether (no more IPv6, no more host rules —
    // an isolated lab's host journals no undo, so the cleanup is made here): removed as down would.
    const keep = new Set(ipt(b).filter((o) => o.owner).map((o) => o.family));
    const dropped = [...new Set(present.flatMap(ipt).filter((o) => o.owner && !keep.has(o.family)).map((o) => o.family))];
    const clean = dropped.map((family): Op => ({ op: "iptables-clean", ns, family, lab: now.name }));
    const ops = [...(b?.ops.filter((o) => o.op !== "conntrack") ?? []), ...clean, ...(forget ? [forget] : [])];
    // down runs every undo journaled: the old one and, where it grew (a new published port's flows), the new.
    const undo = !b || (olds[0] && text(olds[0].undo) === text(b.undo)) ? [] : b.undo;
    return { id, title: (b ?? present[0]).title, ops, undo, holds: b?.undo ?? [] };
  }
  if (!id.startsWith("node:") || !b || present.length !== olds.length) return null;
  // Its tables are emptied and loaded again: rules its exec: commands added would be lost.
  if (now.nodes.find((n) => `node:${n.name}` === id)?.exec.length) return null;
  // What may differ: its rules, its links' impairments (root qdiscs, replaced in place), and
  // its addresses, routes and ip rules (deleted and added in place); nothing else.
  const live = (o: Op) => RULE_OPS.has(o.op) || o.op === "tc";
  const rest = (s: Step) => text(s.ops.filter((o) => !live(o)).map((o) => (o.op === "ip" ? { ...o, lines: o.lines.filter((l) => !MUTABLE.test(l)) } : o)));
  if (present.some((a) => rest(a) !== rest(b) || text(a.undo) !== text(b.undo))) return null;
  const only = (s: Step, pick: (o: Op) => boolean) => text(s.ops.filter(pick));
  const differ = (pick: (o: Op) => boolean) => present.some((a) => only(a, pick) !== only(b, pick));
  const qdiscs = differ((o) => o.op === "tc") ? impairments(present, b) : [];
  const addressing = differ((o) => o.op === "ip") ? readdress(present, b) : [];
  if (!differ((o) => RULE_OPS.has(o.op))) return { id, title: b.title, ops: [...addressing, ...qdiscs], undo: [], holds: [] };
  const rules = [...addressing, ...qdiscs, ...b.ops.filter((o) => RULE_OPS.has(o.op))];
  const ns = [...present, b].flatMap(ipt)[0];
  if (!ns) return { id, title: b.title, ops: rules, undo: [], holds: [] };
  const flush = ([4, 6] as const).flatMap((family) => {
    const of = (s: Step) => ipt(s).filter((o) => o.family === family).map((o) => o.text);
    const tables = [...new Set([...present, b].flatMap(of).flatMap(tablesIn))];
    // Emptied, not opened: a firewall's DROP policies stay until the new rules set theirs, and
    // go back to ACCEPT only where the new version has no firewall in this family.
    const open = !of(b).some((t) => /^:INPUT /m.test(t));
    return tables.length ? [{ op: "iptables", ns: ns.ns, family, text: emptyTables(tables, open) } as Op] : [];
  });
  return { id, title: b.title, ops: [...flush, ...rules], undo: [], holds: [] };
}

/** The lines of a node's `ip -batch` that apply changes in place. */
const MUTABLE = /^(-6 )?(address|route|rule) /;

/**
 * A node's addresses, routes and ip rules as the new version has them: what no version wants any
 * more deleted (already gone is fine), then every wanted one made idempotently (address and
 * route replace; a rule deleted, then added, so never twice).
 */
function readdress(olds: Step[], b: Step): Op[] {
  const lines = (s: Step) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines.filter((l) => MUTABLE.test(l)) : []));
  const ns = [...olds, b].flatMap((s) => s.ops).find((o) => o.op === "ip")?.ns ?? null;
  const del = (l: string) => l.replace(/^((?:-6 )?(?:address|route|rule)) (?:add|replace) /, "$1 del ").replace(/ nodad$/, "");
  const gone = [...new Set(olds.flatMap(lines))].filter((l) => !lines(b).includes(l));
  const rule = (l: string) => / rule add /.test(` ${l}`);
  // Each wanted line once, idempotent: an address or route replaced, a rule added once the
  // first op has deleted it (whether or not it was there).
  const want = lines(b).map((l) => l.replace(/^((?:-6 )?address) add /, "$1 replace "));
  // What goes, goes first (a deleted address takes its routes along); then everything wanted,
  // past any error, so one line the kernel rejects leaves the rest in place — and is reported.
  const ops: Op[] = [{ op: "ip", ns, force: true, lines: [...gone, ...want.filter(rule)].map(del) }, { op: "ip", ns, force: "report", lines: want }];
  return ops.filter((o) => o.op === "ip" && o.lines.length);
}

/** A node's impairments as the new version has them: its root qdiscs replaced, and removed from interfaces that no longer have one. */
function impairments(olds: Step[], b: Step): Op[] {
  const tc = (s: Step) => s.ops.filter((o): o is Extract<Op, { op: "tc" }> => o.op === "tc");
  const devs = (s: Step) => tc(s).flatMap((o) => o.lines.map((l) => /^qdisc replace dev (\S+) root/.exec(l)?.[1] ?? ""));
  const gone = [...new Set(olds.flatMap(devs))].filter((d) => d && !devs(b).includes(d));
  const ns = [...olds, b].flatMap(tc)[0]?.ns ?? null;
  // The kernel's default root qdisc comes back when netlab's is deleted.
  return [...(gone.length ? [{ op: "tc", ns, lines: gone.map((d) => `qdisc del dev ${d} root`) } as Op] : []), ...tc(b)];
}

/**
 * --dry-run of the host's rules: the restore that runs when the live rules are what the old
 * version made — its chains rewritten, the ones it no longer wants and their jumps removed,
 * missing jumps added — exactly what run() computes from iptables-save.
 */
function dryRunSync(c: Change, old: Step | undefined): string {
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
