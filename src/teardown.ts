// Tearing a lab down from its recorded state. Kept apart from the lab-file machinery
// (YAML, zod) so that `netlab down` starts fast.
import { readFileSync, rmdirSync } from "node:fs";
import type { ComposeOptions } from "./compose/env.js";
import { EnvError, UsageError } from "./errors.js";
import { findState, labNameOf, labsUpFrom, refOf } from "./running.js";
export { findState, labNameOf };
import type { Lab } from "./lab/model.js";
import { hostObjects } from "./plan/kinds/index.js";
import { NETNS_ETC } from "./state/paths.js";
import { undoEntries, type Context } from "./runtime/apply.js";
import { labEnv, markSelf } from "./runtime/env.js";
import { isRecorded, liveGroups, orphansOf } from "./runtime/labprocs.js";
import { currentHost, hostWrap, netnsExists, netnsId, type HostRef } from "./runtime/netns.js";
import { requireRoot } from "./runtime/tools.js";
import { run } from "./runtime/proc.js";
import { timing } from "./runtime/timing.js";
import { FILES_ROOT, LabState, removeRootIfEmpty, untrustedDir, type Entry } from "./state/store.js";
import { sweepLocks } from "./state/lock.js";
import { STATE_ROOT } from "./state/paths.js";
import { livingGroups } from "./runtime/groups.js";

export interface DownResult {
  lab: string;
  wasUp: boolean;
  problems: string[];
  ms: number;
  /** Not up, but these labs are up from the same lab file (it names another lab now). */
  upFromFile?: string[];
}

export async function teardown(state: LabState, host: HostRef): Promise<string[]> {
  const hostGone = host.name !== null && host.name !== "root" && netnsId() !== host.id && !netnsExists(host.name);
  const wrap = hostGone ? [] : hostWrap(host);
  if (wrap === null) {
    throw new EnvError(`lab ${state.lab} was brought up in a network namespace that has no name, and netlab cannot enter it from here`, "run netlab down from the same namespace that ran netlab up");
  }
  const meta = state.readMeta();
  const instance = state.instance();
  markSelf(state.lab, instance); // our tools are this instance's: a down after we are killed finds them
  const ctx: Context = { lab: state.lab, hostId: host.id, hostWrap: wrap, hostGone, state: null, env: labEnv(state.lab, instance) };
  const journal = state.journal();
  // Stop what `run` started first, gently, by recorded pid (each leads its own process group),
  // in case its namespace can no longer be found by name.
  await stopRecorded(journal, instance);
  // A netlab killed mid-up or mid-down leaves its tools running (an `ip -batch` still making
  // namespaces), and maybe a service it started but had not yet journaled: this instance's only.
  await killOrphans(instance);
  timing("stopped recorded processes");
  const problems = await undoEntries(journal, ctx);
  // Host-side veth ends die with their peer's namespace, asynchronously: wait, so `down` returning means gone.
  if (meta && !hostGone) await waitGone(hostSideNames(meta.lab), wrap);
  timing("host-side links gone");
  state.remove();
  tidy();
  return problems;
}

/** /etc/netns, /run/netlab and /dev/shm/netlab go when they are empty: a fresh machine has none. */
export function tidy(): void {
  try {
    rmdirSync(NETNS_ETC);
  } catch {
    /* in use by others, or absent */
  }
  removeRootIfEmpty();
  // Only our own: an empty /dev/shm/netlab someone else made is theirs to remove.
  if (!untrustedDir(FILES_ROOT)) removeRootIfEmpty(FILES_ROOT);
}

/** What a killed netlab left of this instance (labprocs.ts): we hold the lab's lock, so no live netlab is working on it. */
async function killOrphans(instance: string | null): Promise<void> {
  const orphans = orphansOf(instance);
  if (!orphans.length) return;
  for (const p of orphans) try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
  for (let i = 0; i < 100 && orphansOf(instance).length; i++) await new Promise((r) => setTimeout(r, 10));
}

/** Stops the journal's `run` processes still of this instance (each its process group): gently, then not. */
export async function stopRecorded(journal: Entry[], instance: string | null): Promise<void> {
  const procs = journal.filter((e): e is Extract<Entry, { t: "proc" }> => e.t === "proc");
  // Only a process that still carries this instance's environment is ours (pids get reused); a
  // service is its whole process group, which outlives a wrapper someone killed.
  const groups = liveGroups(instance);
  const live = procs.filter((p) => groups.get(p.pid)?.has(p.who) || isRecorded(p.pid, p.who, instance));
  for (const p of live) try { process.kill(-p.pid, "SIGTERM"); } catch { /* gone */ }
  const living = () => livingGroups(live.map((p) => p.pid));
  // Two seconds to go, asked every 5 ms at first (the DNS server is gone in a few), then every
  // 25 (each ask reads /proc, as long as the machine's process table).
  const t0 = performance.now(); // not the wall clock, which may be stepped meanwhile
  const since = () => performance.now() - t0;
  while (living().size && since() < 2000) await new Promise((r) => setTimeout(r, since() < 100 ? 5 : 25));
  for (const g of living()) try { process.kill(-g, "SIGKILL"); } catch { /* gone */ }
}

/** What each of the lab's host-side interfaces is (the host side of web:eth0, the bridge of network br0). */
export function hostOwners(lab: Lab): Map<string, string> {
  return new Map(hostObjects(lab).map((o) => [o.name, o.what.replace(/^the /, "")]));
}

export function hostSideNames(lab: Lab): string[] {
  return lab.isolated ? [] : hostObjects(lab).map((o) => o.name);
}

/**
 * Waits until none of `names` is a link of the host namespace (at most `ms`). From our own
 * namespace it reads /proc/self/net/dev, which shows the reader's namespace, every 5 ms; from
 * another (`wrap`) it asks `ip` every 20 ms.
 */
export async function waitGone(names: string[], wrap: string[], ms = 5000): Promise<void> {
  if (!names.length) return;
  const want = new Set(names);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await hostLinks(wrap)).some((n) => want.has(n))) return;
    await new Promise((res) => setTimeout(res, wrap.length ? 20 : 5));
  }
}

async function hostLinks(wrap: string[]): Promise<string[]> {
  if (!wrap.length) {
    try {
      return readFileSync("/proc/self/net/dev", "utf8").split("\n").slice(2).map((l) => l.split(":")[0].trim());
    } catch {
      /* no /proc: ask ip */
    }
  }
  const r = await run([...wrap, "ip", "-o", "link", "show"]);
  return r.stdout.split("\n").map((l) => l.split(": ")[1]?.split("@")[0]);
}

/**
 * The lab `down REF` means (labNameOf); for a lab file that no longer reads (a syntax error made
 * since up), the lab up from it: a CI's `down FILE` must not leave it up, saying "not up". Not
 * for a Compose file given its project (-p, COMPOSE_PROJECT_NAME): that names the lab itself.
 */
async function nameToTakeDown(ref: string, compose?: ComposeOptions): Promise<{ name: string | null; file: string | null }> {
  const r = await refOf(ref, compose);
  const named = compose?.projectName ?? process.env.COMPOSE_PROJECT_NAME;
  if (!r.file || r.read || named || (r.name && new LabState(r.name).exists())) return r;
  const from = labsUpFrom(r.file);
  if (from.length > 1) throw new UsageError(`labs ${from.join(", ")} are up from ${r.file}, which no longer reads as a lab file`, `take them down by name: netlab down ${from[0]}`);
  return { name: from[0] ?? r.name, file: r.file };
}

export async function down(ref: string, opts: { progress?: (m: string) => void; compose?: ComposeOptions } = {}): Promise<DownResult> {
  const t0 = Date.now();
  const { name, file } = await nameToTakeDown(ref, opts.compose);
  const state = name ? new LabState(name) : null;
  if (!state || !(state.exists() || state.busy())) {
    const others = file ? labsUpFrom(file) : [];
    return { lab: ref, wasUp: false, problems: [], ms: Date.now() - t0, ...(others.length ? { upFromFile: others } : {}) };
  }
  requireRoot("netlab down");
  // An `up` of this lab in progress holds the lock: wait for it, then remove what it made.
  const release = await state.lock((holder) => opts.progress?.(`waiting for netlab${holder ? ` (pid ${holder})` : ""}, which is working on ${state.lab}`));
  try {
    if (!state.exists()) {
      tidy(); // what a down killed after removing the state left: empty directories
      return { lab: state.lab, wasUp: false, problems: [], ms: Date.now() - t0 };
    }
    timing("locked");
    const meta = state.readMeta();
    opts.progress?.("tearing down");
    const problems = await teardown(state, meta?.host ?? currentHost());
    return { lab: state.lab, wasUp: true, problems, ms: Date.now() - t0 };
  } finally {
    release();
    await sweepLocks(STATE_ROOT);
    removeRootIfEmpty();
  }
}
