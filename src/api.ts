// The library API. Commands are thin wrappers over these; tests call them directly.
import { randomHex } from "./digest.js";
import { readFileSync } from "node:fs";
import type { ComposeOptions } from "./compose/env.js";
import { UsageError, type Problem } from "./errors.js";
import { rootImpairments } from "./net/tc.js";
import { loadLab, sourceOf } from "./lab/load.js";
import { probeTool, type Check, type Lab } from "./lab/model.js";
import { runCheck, type CheckResult } from "./check/probe.js";
import { pingAll, type PingAll } from "./check/pingall.js";
import { waitReady } from "./check/ready.js";
import { renderPlan } from "./runtime/ops/index.js";
import { shQuote } from "./shell.js";
import { applyPlan, type Context } from "./runtime/apply.js";
import { drift } from "./runtime/drift.js";
import { factsOf } from "./plan/facts.js";
import { currentHost, pidsInNetns } from "./runtime/netns.js";
import { preflight } from "./runtime/preflight.js";
import { loadForHost } from "./runtime/host-subnets.js";
import { readAsUp } from "./lab/diff.js";
import { requireRoot, requireTools } from "./runtime/tools.js";
import { pool, run } from "./runtime/proc.js";
import { timing } from "./runtime/timing.js";
import { LabState, type Meta } from "./state/store.js";

export { BIN_DIR, labEnv, processEnv } from "./runtime/env.js";
import { BIN_DIR, labEnv, markSelf } from "./runtime/env.js";

export { labHash } from "./lab/hash.js";
export { planFor } from "./mend.js";
export { dnsListening } from "./dns/waits.js";
import { keepInputs, mend, planFor, recordUnchanged, upAndWhole } from "./mend.js";
import { dnsListening } from "./dns/waits.js";
import { labHash } from "./lab/hash.js";


export interface UpOptions {
  isolated?: boolean;
  dryRun?: boolean;
  progress?: (msg: string) => void;
  /** Test hook: runs after each phase (used to kill `up` midway). */
  afterPhase?: (name: string) => Promise<void> | void;
  /** Where a front-end (a Compose file) loses meaning, told once the file is loaded, before anything is done. */
  warnings?: (warnings: Problem[]) => void;
  /** A front-end's notes (what it does instead), told with the warnings. */
  notes?: (notes: { text: string; when: "up" | "verbose" }[]) => void;
  /** For a Compose file: profiles, env files, project name. */
  compose?: ComposeOptions;
}

export interface UpResult {
  lab: Lab;
  changed: boolean;
  /** Set for --dry-run: the shell script. */
  script?: string;
  /** Set when an unfinished earlier `up` was cleaned away first. */
  recovered?: boolean;
  /** What was missing from a lab that was already up, and was made again. */
  repaired?: string[];
  ms: number;
}


export async function up(given: string, opts: UpOptions = {}): Promise<UpResult> {
  const t0 = Date.now();
  // The name of a lab that is up means its own file (the hints `status` and `test` print say so).
  const ref = upFileOf(given) ?? given;
  let lab = opts.dryRun ? loadLab(ref, { isolated: opts.isolated, compose: opts.compose }) : await loadForHost(ref, opts.isolated, opts.compose);
  const state = new LabState(lab.name);
  timing("loaded");
  const warnings = sourceOf(lab)?.warnings ?? [];
  if (warnings.length) opts.warnings?.(warnings);
  const notes = sourceOf(lab)?.notes ?? [];
  if (notes.length) opts.notes?.(notes);
  if (opts.dryRun) {
    const script = renderPlan(planFor(lab, state), `netlab up ${lab.name}${lab.isolated ? " --isolated" : ""} (${lab.file})`, [`export PATH=${shQuote(BIN_DIR)}:"$PATH" NETLAB_LAB=${lab.name}`]);
    return { lab, changed: false, script, ms: Date.now() - t0 };
  }
  requireRoot("netlab up");
  requireTools(["ip", "flock"]);
  const unchanged = await upAndWhole(lab, state, t0);
  if (unchanged) return (await recordUnchanged(state, lab, opts.isolated), unchanged);
  const release = await state.lock((holder) => opts.progress?.(`waiting for netlab${holder ? ` (pid ${holder})` : ""}, which is working on ${lab.name}`));
  try {
    await opts.afterPhase?.("locked");
    let hash = labHash(lab);
    let recovered = false;
    if (state.exists()) {
      const meta = state.readMeta();
      // Up from apply, its nodes keep the addresses they were given: the file is read as apply read it.
      if (meta && readAsUp(lab, meta.lab)) {
        lab = await loadForHost(ref, opts.isolated, opts.compose, meta.lab);
        hash = labHash(lab);
      }
      if (meta && state.complete()) {
        if (state.readPending().length)
          throw new UsageError(`an apply of lab ${lab.name} did not finish, so what is up is partly another version`, `sudo netlab apply ${lab.file} finishes the change into this one`);
        // Up isolated and asked not to be, or the other way: the file may read the same (apply would say unchanged).
        if (!!meta.lab.isolated !== !!lab.isolated)
          throw new UsageError(`lab ${lab.name} is already up ${meta.lab.isolated ? "isolated (its host a namespace of its own)" : "in this namespace"}, and this up asks for it ${lab.isolated ? "isolated" : "not isolated"}`, `sudo netlab up ${shQuote(lab.file)}${meta.lab.isolated ? " --isolated" : ""} is the lab as it is up; to change that: ${remakeHint(meta.lab, true)}${meta.lab.isolated ? "" : " --isolated"}`);
        if (meta.hash !== hash) {
          throw new UsageError(`lab ${lab.name} is already up, from a different version of ${meta.lab.file}`, `sudo netlab apply ${shQuote(lab.file)} changes it in place where it can, and says what it cannot (then: ${remakeHint(lab, true)})`);
        }
        markSelf(lab.name, state.instance());
        const mended = await mend(lab, meta, state, t0);
        keepInputs(state, lab, hash, opts.isolated, { warnings, notes });
        return mended;
      }
      // An earlier up died midway (we hold the lock, so it is not running): remove what it made first.
      opts.progress?.("removing what an unfinished earlier up left");
      await teardown(state, meta?.host ?? currentHost());
      recovered = true;
    }
    const plan = planFor(lab, state);
    timing("planned");
    const host = currentHost();
    await preflight(lab, plan, sourceOf(lab));
    timing("preflight");
    // This instance's id, recorded before anything starts, carried by everything started for it.
    const instance = randomHex(8);
    const meta: Meta = { version: 1, lab, facts: factsOf(lab, plan), hash, createdAt: new Date().toISOString(), host, pid: process.pid, instance };
    state.create(meta);
    keepLabText(state, lab);
    writePlan(state, hash, plan);
    markSelf(lab.name, instance); // our tools are this instance's: a later down finds them if we are killed
    const ctx: Context = { lab: lab.name, hostId: host.id, hostWrap: [], state, env: labEnv(lab.name, instance), progress: opts.progress, afterPhase: opts.afterPhase };
    try {
      await applyPlan(plan, ctx);
    } catch (e) {
      // The DNS server starts with the namespaces (applyPlan): where it runs in the lab's host, no namespace's undo ends it.
      await stopRecorded(state.journal(), instance);
      await waitGone(hostSideNames(lab), []);
      state.remove();
      tidy();
      throw e;
    }
    // Up means its names answer: the hint `up` prints (ping a name) runs at once after it.
    if (!(await dnsListening(lab, state, 5_000))) opts.progress?.(`the lab's DNS server is not answering yet: sudo netlab logs ${lab.name} --dns says why`);
    keepInputs(state, lab, hash, opts.isolated, { warnings, notes });
    timing("up");
    await opts.afterPhase?.("done");
    return { lab, changed: true, recovered, ms: Date.now() - t0 };
  } finally {
    release();
  }
}

/**
 * `up` of a lab that is already up: nothing to do when it has everything it should; what was
 * removed by hand is made again; a namespace that is gone (with all it held) is refused.
 */

export { status, type LabStatus } from "./status.js";
export { down, findState, hostSideNames, teardown, tidy, waitGone, type DownResult } from "./teardown.js";
import { findState, hostOwners, hostSideNames, stopRecorded, teardown, tidy, waitGone } from "./teardown.js";
import { enterArgv, remakeHint, requireUp, upFileOf } from "./running.js";
import { writePlan } from "./state/plan-cache.js";
import { keepLabText } from "./state/lab-text.js";
export { enterArgv, requireUp };

export interface NodeView {
  name: string;
  namespace: string;
  interfaces: { name: string; state: string; mtu: number; mac?: string; addresses: string[]; master?: string; peer?: string; qdisc?: string; of?: string }[];
  routes: string[];
  processes: { pid: number; cmd: string }[];
}

export async function inspect(ref: string, only?: string): Promise<{ lab: string; nodes: NodeView[] }> {
  requireRoot("netlab inspect");
  const meta = await requireUp(ref);
  const names = only ? [only] : ["host", ...meta.lab.nodes.map((n) => n.name)];
  const views: NodeView[] = [];
  for (const name of names) {
    const pre = enterArgv(meta, name);
    const [a, r, q] = await Promise.all([run([...pre, "ip", "-j", "address", "show"]), run([...pre, "ip", "-j", "route", "show", "table", "all"]), run([...pre, "tc", "qdisc", "show"])]);
    const impaired = rootImpairments(q.stdout);
    type IpAddr = { ifname: string; operstate: string; mtu: number; address?: string; master?: string; link?: string; addr_info: { local: string; prefixlen: number; scope: string }[] };
    let ifs = (JSON.parse(a.stdout || "[]") as IpAddr[]);
    if (name === "host" && !meta.lab.hostNs) {
      const ours = new Set(hostSideNames(meta.lab));
      ifs = ifs.filter((i) => ours.has(i.ifname));
    }
    const owners = name === "host" ? hostOwners(meta.lab) : new Map<string, string>();
    type IpRoute = { dst: string; gateway?: string; dev?: string; table?: string; type?: string; protocol?: string };
    const routes = (JSON.parse(r.stdout || "[]") as IpRoute[])
      .filter((x) => x.table !== "local" && x.type !== "local" && x.type !== "broadcast" && !(x.dst.startsWith("fe80") || x.dst.startsWith("ff00") || x.dst === "multicast"))
      .filter((x) => name !== "host" || meta.lab.hostNs || (x.dev && hostSideNames(meta.lab).includes(x.dev)))
      .map((x) => `${x.type && x.type !== "unicast" ? x.type + " " : ""}${x.dst}${x.gateway ? ` via ${x.gateway}` : ""}${x.dev ? ` dev ${x.dev}` : ""}${x.table && x.table !== "main" ? ` table ${x.table}` : ""}`);
    const ns = name === "host" ? meta.lab.hostNs : meta.lab.nodes.find((n) => n.name === name)!.ns;
    const processes = ns
      ? pidsInNetns([ns]).map((pid) => {
          let cmd = "";
          try {
            cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
          } catch {
            /* exited */
          }
          return { pid, cmd };
        }).filter((p) => p.cmd)
      : [];
    views.push({
      name,
      namespace: ns ?? (meta.host.name ?? "(netlab's own)"),
      interfaces: ifs.map((i) => ({
        name: i.ifname, state: i.operstate, mtu: i.mtu, mac: i.address, master: i.master, ...(impaired.has(i.ifname) ? { qdisc: impaired.get(i.ifname) } : {}),
        ...(owners.has(i.ifname) ? { of: owners.get(i.ifname) } : {}),
        addresses: i.addr_info.filter((x) => x.scope !== "link").map((x) => `${x.local}/${x.prefixlen}`),
      })),
      routes,
      processes,
    });
  }
  return { lab: meta.lab.name, nodes: views };
}

export interface TestResult {
  lab: Lab;
  results: CheckResult[];
  notReady: string[];
  /** What the lab made that is gone: checks that need it cannot pass. */
  degraded: string[];
  /** A namespace of it is gone: `up` cannot repair it (drift.ts). */
  fatal: boolean;
  ms: number;
}

/** The checks to run against a lab that is up: the file's current ones when it still describes the running lab. */
function currentChecks(meta: Meta): Check[] {
  try {
    const fresh = loadLab(meta.lab.file, { isolated: meta.lab.isolated, previous: meta.lab });
    if (fresh.name === meta.lab.name && labHash(fresh) === meta.hash) return fresh.checks;
  } catch {
    /* the file moved or no longer validates: use what was recorded */
  }
  return meta.lab.checks;
}

export async function test(ref: string, opts: { readyMs?: number; compose?: ComposeOptions } = {}): Promise<TestResult> {
  requireRoot("netlab test");
  const meta = await requireUp(ref, opts.compose);
  const t0 = Date.now();
  const checks = currentChecks(meta);
  requireTools([...new Set(checks.map(probeTool))]);
  // Wait for services only while they are starting; one stopped later must fail its check, not stall it.
  const state = (await findState(ref, opts.compose))!;
  let notReady: string[] = [];
  const d = await drift(meta, state.journal());
  // A service that died is not starting: its checks fail at once, and say why (degraded).
  // Services count as ready once seen listening after the last of them was (re)started.
  const journal = state.journal();
  const ready = journal.findLastIndex((e) => e.t === "ready") > journal.findLastIndex((e) => e.t === "proc");
  if (!d.runs.length && !ready) {
    await dnsListening(meta.lab, state, 3_000);
    notReady = await waitReady(meta.lab, opts.readyMs ?? 10_000);
    if (!notReady.length) state.append({ t: "ready" });
  }
  // A matrix check enters every pod it lists itself.
  const results = await pool(checks, 32, (c) => runCheck(meta.lab, c, c.kind === "matrix" ? [] : enterArgv(meta, c.from)));
  return { lab: meta.lab, results, notReady, degraded: d.missing, fatal: d.fatal, ms: Date.now() - t0 };
}

export async function pingall(ref: string, opts: { timeoutMs?: number; onWave?: (wave: number, waves: number) => void } = {}): Promise<PingAll> {
  requireRoot("netlab test --pingall");
  const meta = await requireUp(ref);
  requireTools(["fping"]);
  return pingAll(meta.lab, opts);
}
