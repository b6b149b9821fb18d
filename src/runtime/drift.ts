// A lab that is up, compared with what it should have (plan/facts.ts): what someone or
// something removed since. Cheap: a few processes per lab, whatever its size.
import { readFileSync } from "node:fs";
import type { Facts } from "../plan/facts.js";
import { ownChains } from "../net/netfilter.js";
import { procSys } from "../net/sysctl.js";
import { iptablesTool } from "./tools.js";
import type { Entry, Meta } from "../state/store.js";
import { isRecorded } from "./labprocs.js";
import { hostWrap, netnsExists } from "./netns.js";
import { run } from "./proc.js";

export interface Drift {
  /** What is missing or changed, one line each. */
  missing: string[];
  /** Only `down` and `up` again can mend it (a namespace, with everything in it, is gone). */
  fatal: boolean;
  /** Parts `up` can re-run: host interfaces, iptables, sysctls, `run` processes. */
  links: string[];
  rules: boolean;
  sysctls: boolean;
  /** Journal entries of `run` processes that are no longer running. */
  runs: Extract<Entry, { t: "proc" }>[];
}

/** argv prefix into the lab's host namespace, or null when it cannot be reached from here. */
function hostArgv(meta: Meta): string[] | null {
  if (meta.lab.hostNs) return ["nsenter", `--net=/run/netns/${meta.lab.hostNs}`];
  return hostWrap(meta.host);
}

/** `run` processes of the journal that still run (by pid, and still carrying this lab instance's environment). */
export function runningProcs(journal: Entry[]): Extract<Entry, { t: "proc" }>[] {
  const instance = journal.find((e): e is Extract<Entry, { t: "instance" }> => e.t === "instance")?.id ?? null;
  return journal.filter((e): e is Extract<Entry, { t: "proc" }> => e.t === "proc").filter((p) => isRecorded(p.pid, p.who, instance));
}

export async function drift(meta: Meta, journal: Entry[]): Promise<Drift> {
  const d: Drift = { missing: [], fatal: false, links: [], rules: false, sysctls: false, runs: [] };
  const facts: Facts | undefined = meta.facts;
  if (!facts) return d;
  for (const ns of facts.namespaces)
    if (!netnsExists(ns)) {
      d.missing.push(`namespace ${ns} is gone`);
      d.fatal = true;
    }
  const wrap = d.fatal && meta.lab.hostNs && !netnsExists(meta.lab.hostNs) ? null : hostArgv(meta);
  if (wrap) {
    const families = Object.keys(facts.rules).map(Number) as (4 | 6)[];
    const [links, ...saves] = await Promise.all([
      run([...wrap, "ip", "-o", "link", "show"]),
      ...families.map((f) => run([...wrap, iptablesTool(f, "-save")])),
    ]);
    const live = new Map<string, string | undefined>();
    for (const l of links.stdout.split("\n")) {
      const name = l.split(": ")[1]?.split("@")[0];
      if (name) live.set(name, / master (\S+)/.exec(l)?.[1]);
    }
    for (const want of facts.hostLinks) {
      if (!live.has(want.name)) d.missing.push(`${want.name} (${want.what}) is gone`);
      else if (want.master && live.get(want.name) !== want.master) d.missing.push(`${want.name} (${want.what}) is no longer on bridge ${want.master}`);
      else continue;
      d.links.push(want.name);
    }
    families.forEach((f, i) => {
      const counts = liveRuleCounts(saves[i].stdout, meta.lab.name);
      for (const [chain, n] of Object.entries(facts.rules[f])) {
        const have = counts.get(chain) ?? 0;
        if (have !== n) {
          d.missing.push(`${f === 4 ? "iptables" : "ip6tables"}: ${chain} holds ${have} of the lab's ${n} rule${n === 1 ? "" : "s"}`);
          d.rules = true;
        }
      }
    });
    for (const [k, v] of Object.entries(facts.sysctls)) {
      const now = await readHostSysctl(wrap, k);
      if (now !== null && now !== v) {
        d.missing.push(`host sysctl ${k} is ${now}, the lab set ${v}`);
        d.sysctls = true;
      }
    }
  }
  const running = new Set(runningProcs(journal).map((p) => p.pid));
  // The newest entry per command: a repaired service has a newer pid.
  const latest = new Map<string, Extract<Entry, { t: "proc" }>>();
  for (const e of journal) if (e.t === "proc") latest.set(e.log, e);
  for (const p of latest.values())
    if (!running.has(p.pid)) {
      d.missing.push(`run on ${p.who} (${p.cmd}) is not running`);
      d.runs.push(p);
    }
  return d;
}

/** Rules per chain that belong to the lab: everything in its NL-<lab>-* chains, its tagged jumps elsewhere. */
function liveRuleCounts(save: string, lab: string): Map<string, number> {
  const counts = new Map<string, number>();
  const own = ownChains(lab);
  for (const line of save.split("\n")) {
    const m = /^-A (\S+)/.exec(line);
    if (!m) continue;
    if (own.test(m[1]) || line.includes(`--comment netlab:${lab} `) || line.includes(`--comment "netlab:${lab}"`)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return counts;
}

async function readHostSysctl(wrap: string[], key: string): Promise<string | null> {
  if (!wrap.length) {
    try {
      return readFileSync(procSys(key), "utf8").trim();
    } catch {
      return null;
    }
  }
  const r = await run([...wrap, "sysctl", "-n", key]);
  return r.code === 0 ? r.stdout.trim() : null;
}
