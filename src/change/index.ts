// `netlab apply FILE`: a lab that is up is brought to what its file now says, touching only
// what changed — the workshop loop (edit, apply, look, curl, edit again) without losing the
// flows conntrack tracks, a running capture or the DNS log. compare.ts decides what changes
// (and refuses what cannot change in place); this runs it, journaled as `up` runs a plan.
import { ApplyError, LabError, OpFailure, UsageError } from "../errors.js";
import type { ComposeOptions } from "../compose/env.js";
import { dnsListening, labHash, up, type UpOptions } from "../api.js";
import { dnsLogSince, dnsLogSize } from "../dns/waits.js";
import { findLabFile, loadLab, sourceOf } from "../lab/load.js";
import { LabSource } from "../lab/source.js";
import { LAB_NAME } from "../net/names.js";
import { readAsUp } from "../lab/diff.js";
import type { KubeOverlay } from "../kube/overlay.js";
import { keepLabText } from "../state/lab-text.js";
import type { Lab } from "../lab/model.js";
import { factsOf } from "../plan/facts.js";
import { dnsHolders, dnsWho, versionOf } from "../dns/servers.js";
import { impairmentsPossible, policiesPossible } from "../runtime/preflight.js";
import { requireRoot, requireTools } from "../runtime/tools.js";
import { hostWrap } from "../runtime/netns.js";
import { runOp } from "../runtime/ops/index.js";
import { holdTables } from "../runtime/shared.js";
import { loadForHost } from "../runtime/host-subnets.js";
import { labEnv, markSelf } from "../runtime/env.js";
import { runningProcs } from "../runtime/drift.js";
import { waitReady } from "../check/ready.js";
import { waitGone } from "../teardown.js";
import { labsWithState, LabState, type Meta } from "../state/store.js";
import { upFileOf } from "../running.js";
import { shQuote } from "../shell.js";
import { inNs, type Context } from "../runtime/context.js";
import { timing } from "../runtime/timing.js";
import { compare, type Change } from "./compare.js";
import { membersFree } from "./members-free.js";
import { writePlan } from "../state/plan-cache.js";
import { keepInputs } from "../mend.js";

export interface ApplyResult {
  lab: Lab;
  /** "up": it was not up and came up; "unchanged": nothing in the kernel differs; "changed": changed in place. */
  outcome: "up" | "unchanged" | "changed";
  /** Titles of what changed in place. */
  changed: string[];
  /** --dry-run: the commands of the difference (or of `up`, for a lab that is not up). */
  script?: string;
  ms: number;
}

/**
 * Brings the lab FILE names to what FILE says. Not up: `up`. Up and unchanged: nothing.
 * Up and changed: only the difference, under the lab's lock; nothing at all when the file is
 * bad (exit 2, as `up`), a new node's names are taken on this machine (exit 3), or the edit
 * changes what this version cannot change in place (UsageError).
 */
export async function apply(given: string, opts: UpOptions & { compose?: ComposeOptions; kube?: KubeOverlay; text?: string; files?: Record<string, string>; up?: Meta } = {}): Promise<ApplyResult> {
  const t0 = Date.now();
  // A lab that is up, by its name (no file of that name here): its own file, as kubectl users expect.
  // A bare name of a lab that is up means that lab's own file (as down reads it), whatever files of that name lie about.
  const ref = opts.text !== undefined ? given : (upFileOf(given) ?? given);
  const more = { kube: opts.kube, text: opts.text, files: opts.files };
  const load = (isolated?: boolean, previous?: Lab) => (opts.dryRun ? Promise.resolve(loadLab(ref, { isolated, compose: opts.compose, previous, ...more })) : loadForHost(ref, isolated, opts.compose, previous, more));
  let lab: Lab;
  let readAgainst = opts.up;
  try {
    // The version up, where the caller read it (kubectl's verbs): read against it at once, not twice.
    lab = await load(opts.isolated, opts.up?.lab);
  } catch (e) {
    // A lab that is up --isolated may have what only an isolated lab's host may (bridge: docker0): read as such.
    if (!(e instanceof LabError) || opts.isolated || !upIsolated(ref)) throw e;
    lab = await load(true);
    readAgainst = undefined;
  }
  timing("loaded");
  const first = lab; // read as `up` reads it: what it says of the file is what up says
  const state = new LabState(lab.name);
  // As the caller read it a moment ago where it did (read again under the lock, below).
  const version = state.metaVersion();
  const meta = state.complete() ? (readAgainst ?? state.readMeta()) : null;
  timing("state read");
  if (!meta) {
    // The file's lab is up under its old name: a new name is a new lab, not this one changed.
    const fileOf = (other: string) => {
      try {
        return new LabState(other).readMeta()?.lab.file;
      } catch {
        return undefined; // a state it cannot read is not this file's
      }
    };
    const was = labsWithState().find((other) => other !== lab.name && fileOf(other) === lab.file);
    if (was) throw new UsageError(`${lab.file} is up as lab ${was}; apply cannot rename a lab that is up (the new name would be a second lab): put name: ${was} back, or take it down and up again`, `sudo netlab down ${was} && sudo netlab up ${shQuote(lab.file)}`);
    const r = await up(ref, opts);
    return { lab: r.lab, outcome: "up", changed: [], script: r.script, ms: Date.now() - t0 };
  }
  // A lab that is up --isolated stays so; and its nodes keep the addresses they have (an edit
  // renumbers nobody). Unchanged, it is what is up already: loaded once.
  const read = (m: { hash: string; lab: Lab }) => m.hash === readAgainst?.hash && !(m.lab.isolated && !opts.isolated);
  const against = async (m: { hash: string; lab: Lab }) => !read(m) && ((m.lab.isolated && !lab.isolated) || readAsUp(lab, m.lab)) ? load(m.lab.isolated || opts.isolated, m.lab) : lab;
  lab = await against(meta);
  const warned = sourceOf(lab)?.warnings ?? [];
  if (warned.length) opts.warnings?.(warned);
  if (opts.dryRun) {
    const c = compare(lab, meta, state, state.readPending());
    return { lab, outcome: c.outcome, changed: c.changed, script: c.script, ms: Date.now() - t0 };
  }
  requireRoot("netlab apply");
  requireTools(["ip", "flock"]);
  await impairmentsPossible(lab); // a qdisc the kernel lacks is refused, named, before anything is touched
  const release = await state.lock((holder) => opts.progress?.(`waiting for netlab${holder ? ` (pid ${holder})` : ""}, which is working on ${lab.name}`));
  try {
    // Read again under the lock: another apply may have changed it while we waited.
    // (Not read again when it is the file read above: 10 ms at 1,000 nodes.)
    const now = state.complete() ? (version !== null && state.metaVersion() === version && !readAgainst ? meta : state.readMeta()) : null;
    if (!now) throw new UsageError(`lab ${lab.name} went down while apply waited for it`, `netlab apply ${ref} brings it up`);
    if (now.hash !== meta.hash) lab = await against(now);
    const pending = state.readPending();
    timing("locked");
    const r = compare(lab, now, state, pending);
    if (!r.newPlan) {
      // The same lab from another file (or with other checks): that file is the lab's from now on.
      if (now.lab.file !== lab.file || JSON.stringify(now.lab.checks) !== JSON.stringify(lab.checks)) state.writeMeta({ ...now, lab });
      keepInputs(state, lab, labHash(lab), opts.isolated, lab === first ? sourceOf(lab) : null);
      return { lab, outcome: r.outcome, changed: [], ms: Date.now() - t0 };
    }
    const ctx: Context = { lab: lab.name, hostId: now.host.id, hostWrap: hostWrap(now.host) ?? [], state, env: labEnv(lab.name, state.instance()), progress: opts.progress };
    await membersFree(lab, r.changes, ctx.hostWrap); // a new node's names taken on this machine: exit 3, nothing touched
    await policiesPossible(lab); // an SCTP policy on a kernel without the sctp match: exit 3, nothing touched
    // Recorded first, beside any earlier unfinished one: a kill or a failed command from here on
    // leaves this version half in place, and the next apply redoes every step any of them differ in.
    state.writePending([...pending.filter((p) => labHash(p) !== labHash(lab)), lab]);
    markSelf(lab.name, state.instance());
    // A holder's DNS server that still runs (its networks went with an earlier apply, and came back) is not started twice: it reloads.
    const dnsFrom = dnsLogSize(state); // a server this apply starts logs past here
    const dns = r.changes.some((c) => c.id.startsWith("run:_dns"));
    const serving = new Set(dns ? runningProcs(state.journal()).map((p) => p.who) : []); // a read of /proc: only when it matters
    const kept = r.changes.filter((c) => c.id.startsWith("run:_dns") && serving.has(c.id.split(":")[1]));
    r.changes = r.changes.filter((c) => !kept.includes(c));
    const one = async (c: Change) => {
      opts.progress?.(c.title);
      // Journal first, as up does: a kill from here on leaves what down removes.
      if (c.undo.length) state.append({ t: "begin", id: c.id, undo: c.undo });
      await holdTables([{ id: c.id, title: c.title, ops: c.ops, undo: c.holds }], ctx);
      try {
        for (const op of c.ops) await runOp(op, ctx);
      } catch (e) {
        // What ran stays (pending): the next apply, of this file fixed or of the version before, finishes it.
        if (e instanceof OpFailure) throw new ApplyError(`${lab.name}: a command failed while applying (${c.title}); the lab is partly changed, and apply of this file once fixed (or of the version before) finishes the change`, e.command, e.stderr, `sudo netlab apply ${lab.file}`);
        throw e;
      }
      timing(`changed: ${c.title}`);
      if (c.logs) state.append({ t: "retire", who: [], logs: c.logs });
      if (c.retire) {
        // Their services are no longer the lab's; their cables' host ends go with their namespaces, in the kernel's time.
        state.append({ t: "retire", who: c.retire, spaces: c.ops.flatMap((o) => (o.op === "kill-ns" ? o.names : [])) });
        const gone = c.gone ?? [];
        for (const ns of new Set(gone.map((g) => g.ns))) await waitGone(gone.filter((g) => g.ns === ns).map((g) => g.name), inNs(ctx, ns, []));
      }
    };
    // The facts recorded at the end (35 ms at 1,000 nodes), worked out while the first command runs: the process only waits there.
    const [final, newPlan] = [lab, r.newPlan];
    const facts = new Promise<ReturnType<typeof factsOf>>((done, fail) => setImmediate(() => { try { done(factsOf(final, newPlan)); } catch (e) { fail(e); } }));
    facts.catch(() => undefined); // an apply that fails before recording never asks for them
    // Nodes whose rules alone change (a policy applied to a cluster) are configured at once, each in its own namespace.
    for (const batch of batches(r.changes)) {
      const done = await Promise.allSettled(batch.map(one));
      const failed = done.flatMap((x, i) => (x.status === "rejected" ? [{ title: batch[i].title, e: x.reason as unknown }] : []));
      // Something other than a command failing (a bug, an interruption) says more than the commands do: it goes first.
      const other = failed.find((f) => !(f.e instanceof ApplyError));
      if (other || failed.length === 1) throw (other ?? failed[0]).e;
      // Every node that failed, not the first only: each is fixed before the next apply.
      const all = failed as { title: string; e: ApplyError }[];
      if (all.length) throw new ApplyError(`${lab.name}: commands failed while applying (${all.map((f) => f.title).join("; ")}); the lab is partly changed, and apply of this file once fixed (or of the version before) finishes the change`, all.map((f) => f.e.command).join("\n"), all.map((f) => `${f.title}: ${f.e.stderr ?? ""}`.trim()).join("\n"), all[0].e.hint);
    }
    // A service an added node started listens before apply returns (as test waits for them): curl works at once.
    const started = new Set(r.changes.filter((c) => /^run:[^_]/.test(c.id) && c.ops.length).map((c) => c.id.split(":")[1]));
    if (started.size) await waitReady({ ...lab, nodes: lab.nodes.filter((n) => started.has(n.name)) }, 5_000);
    // The new version is the lab's only once it is in place: a kill before this leaves the old
    // one recorded, and the next apply does the same (idempotent) work again.
    timing("services ready");
    state.writeMeta({ ...now, lab, facts: await facts, hash: labHash(lab) });
    // The DNS server reads the version just recorded while the rest is written (it reads lab.json only).
    const dnsStarted = r.changes.some((c) => c.id.startsWith("run:_dns") && c.ops.length);
    const names = r.reload || dnsStarted || kept.length ? reloadDns(lab, state, labHash(lab), dnsStarted ? dnsFrom : null, opts.progress) : null;
    names?.catch(() => undefined); // awaited below; a write failing first must not leave its rejection unhandled
    if (opts.text === undefined) keepLabText(state, lab); // the file as read now is the lab's (kubectl's verbs keep the one they read)
    writePlan(state, labHash(lab), r.newPlan);
    keepInputs(state, lab, labHash(lab), opts.isolated, lab === first ? sourceOf(lab) : null);
    timing("recorded");
    await names;
    timing("names reloaded");
    state.writePending([]);
    // A difference the kernel never sees (a description) is recorded all the same: up and status read this version.
    return { lab, outcome: r.outcome, changed: r.changed, ms: Date.now() - t0 };
  } finally {
    release();
  }
}

/**
 * The lab's DNS server reads the version just recorded (SIGHUP) and says so in its log: apply
 * returns once names answer as the new version has them (at most 5 s, else it says so).
 */
async function reloadDns(lab: Lab, state: LabState, hash: string, startedAt: number | null, progress?: (m: string) => void): Promise<void> {
  // A server started by this apply (its log past `startedAt`) handles SIGHUP once it listens: before, the signal would end it.
  if (startedAt !== null) await dnsListening(lab, state, 5_000, startedAt);
  const live = runningProcs(state.journal());
  // Every server that runs, also one whose holder has no network with names left (it stops listening there).
  const holders = [...new Set([...dnsHolders(lab).map(dnsWho), ...live.filter((p) => p.who.startsWith("_dns")).map((p) => p.who)])];
  if (!holders.length) return;
  const servers = holders.map((h) => live.filter((p) => p.who === h).pop());
  const want = `reloaded version ${versionOf(hash)}`;
  // Only what the servers log from now on counts (the same version may have been read before: a → b → a).
  const from = dnsLogSize(state);
  for (const server of servers) {
    try {
      if (server) process.kill(-server.pid, "SIGHUP"); // its process group: the pid journaled is the sh that started it
    } catch {
      /* gone since: up mends it */
    }
  }
  // Each server logs its own reload.
  const done = () => dnsLogSince(state, from).split(want).length - 1 >= servers.filter(Boolean).length;
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((res) => setTimeout(res, 5));
  if (servers.some((s) => !s) || !done()) progress?.(`the lab's DNS server has not read the new names yet: sudo netlab logs ${lab.name} --dns says why`);
}

/** Whether the lab a file names (by its name:) is up --isolated. */
function upIsolated(ref: string): boolean {
  try {
    const file = findLabFile(ref);
    const name = file ? (LabSource.fromFile(file).data as { name?: unknown } | null)?.name : undefined;
    return typeof name === "string" && LAB_NAME.test(name) && !!new LabState(name).readMeta()?.lab.isolated;
  } catch {
    return false; // unreadable: the first error stands
  }
}

const RULES_ONLY = new Set(["iptables", "ipset", "conntrack"]);

/** The changes in order, consecutive ones that only load a node's own rules (no undo, nothing retired) grouped to run together. */
function batches(changes: Change[]): Change[][] {
  const alone = (c: Change) => !c.id.startsWith("node:") || c.undo.length > 0 || !!c.retire || !!c.logs || !c.ops.every((o) => RULES_ONLY.has(o.op));
  const out: Change[][] = [];
  for (const c of changes) {
    const last = out[out.length - 1];
    if (!alone(c) && last && !alone(last[0])) last.push(c);
    else out.push([c]);
  }
  return out;
}
