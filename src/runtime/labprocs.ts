// Which processes on the machine belong to which instance of a lab. The process table is the
// machine's, shared by every sandbox (mount or network namespace) that runs netlab: a lab's name
// is not enough to tell its processes from those of a lab of the same name elsewhere, so
// `down` goes by the instance id it recorded (NETLAB_INSTANCE), and `clean` — which has no state
// to read an id from — also by the namespaces it can see belonging to the leftover.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { alive, instanceAt } from "../state/store.js";

/** A process's environment as a map, or null when it has exited or cannot be read. */
export function environOf(pid: number): Map<string, string> | null {
  try {
    return parseEnviron(readFileSync(`/proc/${pid}/environ`, "latin1"));
  } catch {
    return null;
  }
}

function parseEnviron(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const kv of text.split("\0")) {
    const i = kv.indexOf("=");
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return env;
}

/**
 * The processes whose environment names a NETLAB_ variable (every one netlab marks has one),
 * each with its environment: one pass over /proc, shared by every ask in the same turn of the
 * event loop (`status` asks once per lab); a later turn (a wait between polls) looks again.
 */
function marked(): { pid: number; env: Map<string, string> }[] {
  if (table) return table;
  const out: { pid: number; env: Map<string, string> }[] = [];
  for (const p of readdirSync("/proc")) {
    const pid = Number(p);
    if (!/^\d+$/.test(p) || pid === process.pid) continue;
    try {
      const raw = readFileSync(`/proc/${pid}/environ`, "latin1");
      if (raw.includes("NETLAB_")) out.push({ pid, env: parseEnviron(raw) });
    } catch {
      /* exited, or not ours to read */
    }
  }
  setImmediate(() => (table = null));
  return (table = out);
}
let table: { pid: number; env: Map<string, string> }[] | null = null;

/** Live processes other than netlab itself whose environment (it has a NETLAB_ variable) passes `keep`. */
export function processesWhere(keep: (env: Map<string, string>, pid: number) => boolean): number[] {
  return marked().flatMap(({ pid, env }) => (keep(env, pid) && alive(pid) ? [pid] : []));
}

/**
 * Whether `pid` is still the process the journal recorded (pids are reused): it carries the
 * node's name and, when the lab has one, its instance.
 */
export function isRecorded(pid: number, who: string, instance: string | null): boolean {
  const env = environOf(pid);
  return !!env && env.get("NETLAB_NODE") === who && (!instance || env.get("NETLAB_INSTANCE") === instance) && alive(pid);
}

/** A process's group (stat(5) field 5), or null when it has exited. */
export function pgidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return null;
  }
}

/**
 * The process groups that still hold a live process of this lab instance, each with the nodes
 * its processes carry. A `run` service leads its own group (setsid): the group lives on while
 * any of its processes does — the server a `sh -c` wrapper started outlives a wrapper someone
 * killed, and is the service's real state. One pass over /proc for every service.
 */
export function liveGroups(instance: string | null): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const { pid, env } of marked()) {
    const who = env.get("NETLAB_NODE");
    if (!who || (instance && env.get("NETLAB_INSTANCE") !== instance) || !alive(pid)) continue;
    const g = pgidOf(pid);
    if (g === null) continue;
    if (!out.has(g)) out.set(g, new Set());
    out.get(g)!.add(who);
  }
  return out;
}

/**
 * What a killed netlab left of this instance: its tools (the instance mark, no NETLAB_NODE) and
 * `run` services not yet journaled (NETLAB_RUN). A user's `netlab exec` (NETLAB_NODE alone) is
 * theirs. A state older than instance ids has none to go by: nothing is taken for it.
 */
export function orphansOf(instance: string | null): number[] {
  if (!instance) return [];
  return processesWhere((env) => env.get("NETLAB_INSTANCE") === instance && (!env.has("NETLAB_NODE") || env.get("NETLAB_RUN") === "1"));
}

/**
 * Whether a process's own view of the machine (its mount namespace, through /proc/PID/root)
 * still holds the state of the lab instance it carries: then it belongs to a lab that is up
 * somewhere this netlab cannot see, and is no leftover. Only root's processes are asked: anyone
 * can put these variables in their environment and arrange what their own root holds.
 */
export function upInItsOwnView(pid: number, env: Map<string, string>): boolean {
  const dir = env.get("NETLAB_STATE");
  const instance = env.get("NETLAB_INSTANCE");
  if (!dir || !instance || !isAbsolute(dir) || dir.split("/").includes("..") || !ownedByRoot(pid)) return false;
  return instanceAt(join(`/proc/${pid}/root`, dir)) === instance;
}

/** Real and effective uid 0. */
function ownedByRoot(pid: number): boolean {
  try {
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return uids?.[1] === "0" && uids[2] === "0";
  } catch {
    return false;
  }
}

/** The network namespace of a process (`net:[inode]`), or null. */
export function netnsOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}
