// `netlab clean`: what netlab made, found by its ownership marks alone, for labs whose state
// is gone (a deleted /run/netlab, a crash of the machine's tmpfs, a bug). It never touches
// anything without a mark: namespaces whose loopback carries `netlab:<lab>:…`, interfaces with
// that alias, NL-<lab>-* chains and rules commented `netlab:<lab>`, /etc/netns entries that
// lead into netlab's own directories, netlab's files, and the lab's place in the host ledger.
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { kernelLab, LAB_NAME, nsName } from "./net/names.js";
import { parseChain } from "./net/netfilter.js";
import { rm } from "node:fs/promises";
import { UsageError } from "./errors.js";
import { NETNS_ETC } from "./state/paths.js";
import { cleanupScript, tablesIn } from "./runtime/iptables-live.js";
import { shQuote } from "./shell.js";
import { iptablesTool } from "./runtime/tools.js";
import { killNamespaces } from "./runtime/ops/kill-ns.js";
import { currentHost, NETNS_DIR, netnsId } from "./runtime/netns.js";
import { netnsOf, processesWhere, upInItsOwnView } from "./runtime/labprocs.js";
import { requireRoot } from "./runtime/tools.js";
import { run, shellMany } from "./runtime/proc.js";
import { releaseHost, removeLabRules } from "./runtime/shared.js";
import { labEnv } from "./runtime/env.js";
import { sweepLocks } from "./state/lock.js";
import { alive, FILES_ROOT, instanceAt, LabState, STATE_ROOT, untrustedDir } from "./state/store.js";
import { down, tidy } from "./teardown.js";

export interface Found {
  lab: string;
  namespaces: string[];
  links: string[];
  /** family → the iptables-restore input that removes the lab's rules and chains. */
  iptables: { family: 4 | 6; script: string }[];
  etc: string[];
  files: string[];
  /** Processes netlab started for the lab (its DNS server, host.run, services), found as leftoverProcesses says. */
  processes: { pid: number; cmd: string }[];
  /** A process of the lab that still sees its state in its own mount namespace: the lab is up there, not a leftover. */
  upElsewhere?: number;
}

const LAB = "[a-z0-9][a-z0-9_-]{0,62}";
const MARK = new RegExp(`netlab:(${LAB}):`);

function ls(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The processes of leftovers among `found`: started by netlab for a lab (NETLAB_LAB and
 * NETLAB_NODE), of no instance that is up here, living in a namespace this netlab sees belonging
 * to that lab — one of its marked namespaces under /run/netns, or this one when the lab left its
 * marks here. The process table is the machine's: a lab of the same name in another sandbox is
 * not a leftover. One such process that still sees its lab's state in its own mount namespace
 * (/proc/PID/root) shows the lab is up there: the lab is marked `upElsewhere` instead.
 */
function leftoverProcesses(found: Map<string, Found>): { lab: string; pid: number; cmd: string }[] {
  const live = new Set(ls(STATE_ROOT).filter((d) => !d.startsWith(".")).map((d) => instanceAt(`${STATE_ROOT}/${d}`)).filter((i) => i !== null));
  const here = netnsId();
  const theirs = new Map<string, Set<string>>();
  for (const f of found.values()) {
    const ids = new Set(f.namespaces.flatMap((n) => {
      try {
        return [`net:[${statSync(`${NETNS_DIR}/${n}`).ino}]`];
      } catch {
        return [];
      }
    }));
    if (f.links.length || f.iptables.length) ids.add(here);
    theirs.set(f.lab, ids);
  }
  const labOf = new Map<number, string>();
  processesWhere((env, pid) => {
    const lab = env.get("NETLAB_LAB") ?? "";
    const ns = netnsOf(pid);
    const ours = LAB_NAME.test(lab) && env.has("NETLAB_NODE") && !live.has(env.get("NETLAB_INSTANCE") ?? "") && !!ns && !!theirs.get(lab)?.has(ns);
    if (ours && upInItsOwnView(pid, env)) found.get(lab)!.upElsewhere ??= pid;
    else if (ours) labOf.set(pid, lab);
    return ours;
  });
  const out: { lab: string; pid: number; cmd: string }[] = [];
  for (const [pid, lab] of labOf) {
    try {
      out.push({ lab, pid, cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim() });
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Everything carrying a netlab mark in this namespace and in the machine's global names, by lab. */
export async function findMarked(): Promise<Map<string, Found>> {
  const found = new Map<string, Found>();
  const of = (lab: string) => {
    let f = found.get(lab);
    if (!f) found.set(lab, (f = { lab, namespaces: [], links: [], iptables: [], etc: [], files: [], processes: [] }));
    return f;
  };
  const names = ls(NETNS_DIR);
  const { out: los } = await shellMany(names.map((n) => `nsenter --net=${shQuote(`${NETNS_DIR}/${n}`)} ip -o link show dev lo 2>/dev/null`), 4);
  names.forEach((n, i) => {
    const m = / alias (netlab:[^\s\\]+)/.exec(los[i]) && MARK.exec(los[i].slice(los[i].indexOf(" alias ")));
    if (m && n.startsWith(nsName(m[1], ""))) of(m[1]).namespaces.push(n);
  });
  for (const l of (await run(["ip", "-o", "link", "show"])).stdout.split("\n")) {
    const name = l.split(": ")[1]?.split("@")[0];
    const m = MARK.exec(l.slice(l.indexOf(" alias ") + 1));
    if (name && l.includes(" alias netlab:") && m) of(m[1]).links.push(name);
  }
  for (const family of [4, 6] as const) {
    const save = await run([iptablesTool(family, "-save")]);
    if (save.code !== 0) continue;
    const labs = new Set([...save.stdout.matchAll(new RegExp(`netlab:(${LAB})(?=[:" ]|$)`, "gm"))].map((m) => m[1]));
    // Chains alone (their jumps gone) name only the lab's kernel prefix: one already found by its comments is that lab.
    const prefixes = new Set([...labs].map(kernelLab));
    for (const m of save.stdout.matchAll(/^:(\S+) /gm)) {
      const p = parseChain(m[1])?.prefix;
      if (p && !prefixes.has(p)) labs.add(p);
    }
    for (const lab of labs) {
      const script = cleanupScript(save.stdout, lab);
      if (script) of(lab).iptables.push({ family, script });
    }
  }
  for (const e of ls(NETNS_ETC)) {
    const path = `${NETNS_ETC}/${e}`;
    try {
      if (!lstatSync(path).isSymbolicLink()) continue;
      const target = readlinkSync(path);
      const m = new RegExp(`^(?:${FILES_ROOT}|${STATE_ROOT})/(${LAB})/`).exec(target);
      if (m && e.startsWith(nsName(m[1], ""))) of(m[1]).etc.push(path);
    } catch {
      /* gone */
    }
  }
  if (!untrustedDir(FILES_ROOT)) for (const lab of ls(FILES_ROOT)) of(lab).files.push(`${FILES_ROOT}/${lab}`);
  for (const f of leftoverProcesses(found)) of(f.lab).processes.push(f);
  // A state directory with neither lab.json nor a journal is what a crash left of one.
  for (const d of ls(STATE_ROOT)) if (!d.startsWith(".") && !new LabState(d).exists()) of(d).files.push(`${STATE_ROOT}/${d}`);
  return found;
}

export interface CleanResult {
  /** Labs whose marks were found, with what was (or, with dryRun, would be) removed. */
  cleaned: Found[];
  /** Labs that are up (state present) and were left to `netlab down`, unless `all`. */
  up: string[];
  /** With `all`: the labs that were up and went through `netlab down` (or, with dryRun, would). */
  downed: string[];
  /** Labs up in another mount namespace (their marks are visible here, their state is not), left alone: each with a process that shows it. */
  elsewhere: { lab: string; pid: number }[];
}

export async function clean(opts: { lab?: string; all?: boolean; dryRun?: boolean } = {}): Promise<CleanResult> {
  requireRoot("netlab clean");
  if (opts.lab && opts.all) throw new UsageError("clean takes a lab or --all, not both");
  const up: string[] = [];
  const elsewhere: { lab: string; pid: number }[] = [];
  if (opts.lab && new LabState(opts.lab).exists() && !opts.all) throw new UsageError(`lab ${opts.lab} is up (its state is in ${STATE_ROOT})`, `netlab down ${opts.lab} removes it from its state; clean is for what has none`);
  // --all: the labs that are up go first, through down — and the dry run names the same ones.
  const downed = opts.all ? ls(STATE_ROOT).filter((d) => !d.startsWith(".") && new LabState(d).exists()) : [];
  if (!opts.dryRun) for (const lab of downed) await down(lab);
  const marked = await findMarked();
  const cleaned: Found[] = [];
  for (const f of marked.values()) {
    if (opts.lab && f.lab !== opts.lab) continue;
    if (downed.includes(f.lab) && opts.dryRun) continue; // --all --dry-run: down would remove it
    if (new LabState(f.lab).exists()) {
      up.push(f.lab);
      continue;
    }
    if (f.upElsewhere !== undefined) {
      elsewhere.push({ lab: f.lab, pid: f.upElsewhere });
      continue;
    }
    cleaned.push(f);
    if (opts.dryRun) continue;
    for (const p of f.processes) try { process.kill(p.pid, "SIGTERM"); } catch { /* gone */ }
    for (let i = 0; i < 80 && f.processes.some((p) => alive(p.pid)); i++) await new Promise((r) => setTimeout(r, 25));
    for (const p of f.processes) if (alive(p.pid)) try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
    await killNamespaces(f.namespaces);
    if (f.namespaces.length) await run(["ip", "-force", "-batch", "-"], f.namespaces.map((n) => `netns delete ${n}`).join("\n") + "\n");
    if (f.links.length) await run(["ip", "-force", "-batch", "-"], f.links.map((l) => `link delete ${l}`).join("\n") + "\n");
    // The ledger that knew which tables netlab brought into being went with the state: a table
    // that held the lab's rules and is empty without them is removed (it behaves as no table).
    // Saved again here: an earlier leftover's cleaning changed it.
    for (const { family, script } of f.iptables) {
      const save = (await run([iptablesTool(family, "-save")])).stdout;
      await removeLabRules(f.lab, family, save, tablesIn(script), (argv) => argv, (text) => run([iptablesTool(family, "-restore"), "--noflush"], text));
    }
    for (const p of [...f.etc, ...f.files]) await rm(p, { recursive: true, force: true });
    const host = currentHost();
    await releaseHost({ op: "host-release", ns: null, lab: f.lab, sysctls: [] }, { lab: f.lab, hostId: host.id, hostWrap: [], state: null, env: labEnv(f.lab) });
  }
  if (!opts.dryRun) {
    await sweepLocks(STATE_ROOT);
    tidy();
  }
  return { cleaned, up, elsewhere, downed };
}
