// A lab that is up, compared with what it should have (plan/facts.ts): what someone or
// something removed since, in any of its namespaces. Cheap: one process reads every
// namespace (netdump.ts), plus an iptables-save where the lab has rules, whatever its size.
import type { Facts, Space } from "../plan/facts.js";
import type { Ns } from "../plan/ops.js";
import { ownChain, taggedBy } from "../net/netfilter.js";
import { sameSysctl, sysctlDevice, sysctlParts } from "../net/sysctl.js";
import { iptablesTool } from "./tools.js";
import type { Entry, Meta } from "../state/store.js";
import { isRecorded, liveGroups } from "./labprocs.js";
import { hostWrap, NETNS_DIR, netnsNames } from "./netns.js";
import { dumpNamespaces, type DumpTarget, type LiveNs } from "./netdump.js";
import { run, type Result } from "./proc.js";
import { dnsHolders, dnsWho } from "../dns/servers.js";

/** What is missing in one namespace, by what puts it back. */
export interface SpaceDrift {
  who: string;
  ns: Ns;
  /** Devices gone or off their bridge (made again by the host's batch of cables, then the namespace's own step). */
  links: boolean;
  /** Addresses, routes, ip rules, forwarding entries, qdiscs: the namespace's own step. */
  net: boolean;
  /** iptables rules. */
  rules: boolean;
  sysctls: boolean;
}

export interface Drift {
  /** What is missing or changed, one line each. */
  missing: string[];
  /** Only `down` and `up` again can mend it (a namespace, with everything in it, is gone). */
  fatal: boolean;
  /** The namespaces `up` can mend, and what in each. */
  spaces: SpaceDrift[];
  /** Journal entries of `run` processes that are no longer running. */
  runs: Extract<Entry, { t: "proc" }>[];
}

/** The facts of a lab brought up by an older netlab (host interfaces, rules and sysctls only). */
function spacesOf(meta: Meta): Space[] {
  const f = meta.facts as (Facts & { hostLinks?: Space["links"]; rules?: Space["rules"]; sysctls?: Space["sysctls"] }) | undefined;
  if (!f) return [];
  return f.spaces ?? [{ who: "host", ns: meta.lab.hostNs, links: f.hostLinks ?? [], rules: f.rules, sysctls: f.sysctls }];
}

/** What to read of a space besides its links: only what the lab put there can be missing (IPv4's alone where it put no IPv6: a dump of IPv6 routes costs as much as IPv4's). */
function wanted(sp: Space): DumpTarget["want"] {
  const family = (keys: string[]) => (keys.some((k) => k.includes(":")) ? true : "ipv4");
  return { addrs: sp.addrs && family(sp.addrs), routes: sp.routes && family(sp.routes.map((r) => r.key)), ipRules: !!sp.ipRules, fdb: !!sp.fdb, qdiscs: !!sp.qdiscs };
}

/** The file of a space's namespace for setns, "self" for ours, or null when the shared host cannot be reached from here. */
function nsPath(meta: Meta, ns: Ns): string | null {
  if (ns !== null) return `${NETNS_DIR}/${ns}`;
  const wrap = hostWrap(meta.host);
  if (wrap === null) return null;
  if (!wrap.length) return "self";
  return wrap[0] === "nsenter" ? wrap[1].slice("--net=".length) : `${NETNS_DIR}/${wrap[3]}`;
}

// Saves asked for while one of the same namespace runs share it (status reads every lab, and
// labs share their host). Only for reading what is there: nothing here changes rules between the
// asks, which a joined save started before would not see.
const saving = new Map<string, Promise<Result>>();
function saveOnce(argv: string[]): Promise<Result> {
  const key = argv.join("\0");
  const p = saving.get(key) ?? run(argv).finally(() => saving.delete(key));
  saving.set(key, p);
  return p;
}

/** argv prefix into a space's namespace, for iptables-save. */
function nsArgv(meta: Meta, ns: Ns): string[] {
  return ns !== null ? ["nsenter", `--net=${NETNS_DIR}/${ns}`] : hostWrap(meta.host) ?? [];
}

/**
 * `run` services of the journal that still run: a live process of this lab instance, for this
 * node, in the service's process group (the pid journaled leads it) — the wrapper may be gone
 * while the server it started lives on.
 */
export function runningProcs(journal: Entry[]): Extract<Entry, { t: "proc" }>[] {
  const instance = journal.find((e): e is Extract<Entry, { t: "instance" }> => e.t === "instance")?.id ?? null;
  const groups = liveGroups(instance);
  return journal.filter((e): e is Extract<Entry, { t: "proc" }> => e.t === "proc").filter((p) => groups.get(p.pid)?.has(p.who) || isRecorded(p.pid, p.who, instance));
}

export async function drift(meta: Meta, journal: Entry[]): Promise<Drift> {
  const d: Drift = { missing: [], fatal: false, spaces: [], runs: [] };
  const present = netnsNames();
  for (const ns of meta.facts?.namespaces ?? [])
    if (!present.has(ns)) {
      d.missing.push(`namespace ${ns} is gone`);
      d.fatal = true;
    }
  const spaces = spacesOf(meta).flatMap((sp) => {
    const path = nsPath(meta, sp.ns);
    return path && (sp.ns === null || present.has(sp.ns)) ? [{ sp, path }] : [];
  });
  const withRules = spaces.flatMap(({ sp }) => Object.keys(sp.rules ?? {}).map((f) => ({ sp, family: Number(f) as 4 | 6 })));
  const reading = Promise.all([
    // A link costs a dump about half what entering a namespace does (measured: a star's host of 1,001 links ~100 ms, 500 nodes ~115 ms).
    dumpNamespaces(spaces.map(({ sp, path }) => ({ path, sysctls: Object.keys(sp.sysctls ?? {}), want: wanted(sp), weight: 1 + sp.links.length / 2 }))),
    ...withRules.map(({ sp, family }) => saveOnce([...nsArgv(meta, sp.ns), iptablesTool(family, "-save")])),
  ]);
  // The process table is read while the reader works: it starts as this turn of the event loop
  // ends (netdump.ts batches the asks of one turn), before this next one. A failure of the
  // reading is thrown at the await below, not taken for an unhandled rejection meanwhile.
  reading.catch(() => {});
  await new Promise((next) => setImmediate(next));
  const running = new Set(runningProcs(journal).map((p) => p.pid));
  const [live, ...saves] = await reading;
  spaces.forEach(({ sp }, i) => {
    if (live[i].gone) {
      // Its /run/netns entry is there but is no namespace any more (unmounted): gone all the same.
      if (!d.missing.includes(`namespace ${sp.ns} is gone`)) d.missing.push(`namespace ${sp.ns ?? "of the host"} is gone`);
      d.fatal = true;
      return;
    }
    const sd = compare(sp, live[i], d.missing);
    withRules.forEach((w, j) => {
      if (w.sp === sp && !rulesWhole(sp, w.family, saves[j].stdout, meta.lab.name, d.missing)) sd.rules = true;
    });
    if (sd.links || sd.net || sd.rules || sd.sysctls) d.spaces.push(sd);
  });
  // The newest entry per command: a repaired service has a newer pid.
  const latest = new Map<string, Extract<Entry, { t: "proc" }>>();
  for (const e of journal) {
    if (e.t === "proc") latest.set(e.log, e);
    if (e.t === "retire") for (const [log, p] of latest) if (e.who.includes(p.who) || e.logs?.includes(log)) latest.delete(log);
  }
  // A DNS server apply kept running for a holder left without names is not this version's to keep.
  const servers = new Set(dnsHolders(meta.lab).map(dnsWho));
  for (const p of latest.values())
    if (!running.has(p.pid) && (!p.who.startsWith("_dns") || servers.has(p.who))) {
      d.missing.push(`run on ${p.who} (${p.cmd}) is not running`);
      d.runs.push(p);
    }
  return d;
}

/** Compares one namespace with what the lab put there; says what is missing (nothing about what hangs off a device that is gone). */
function compare(sp: Space, live: LiveNs, out: string[]): SpaceDrift {
  const sd: SpaceDrift = { who: sp.who, ns: sp.ns, links: false, net: false, rules: false, sysctls: false };
  const where = sp.who === "host" ? "the host" : sp.who;
  const kindOf = (name: string) => live.links.get(name)?.kind;
  const gone = new Set(sp.links.filter((w) => !live.links.has(w.name) || (w.kind && kindOf(w.name) && kindOf(w.name) !== w.kind)).map((w) => w.name));
  for (const want of sp.links) {
    const got = live.links.get(want.name);
    if (!got) out.push(`${want.name} (${want.what}) is gone`);
    else if (gone.has(want.name)) out.push(`${want.name} (${want.what}) is a ${got.kind}, not a ${want.kind}`);
    else if (want.master && got.master !== want.master) {
      // Ports of a bridge that is gone are off it too: the bridge says it.
      if (!gone.has(want.master)) out.push(`${want.name} (${want.what}) is no longer on bridge ${want.master}`);
    } else if (got.down) out.push(`${want.name} (${want.what}) is down`);
    else continue;
    sd.links = true;
  }
  const lost = (have: boolean, dev: string | undefined, msg: string) => {
    if (have) return;
    sd.net = true;
    if (!dev || !gone.has(dev)) out.push(msg);
  };
  for (const a of sp.addrs ?? []) lost(live.addrs.has(a), a.split(" ")[0], `address ${a.split(" ")[1]} of ${a.split(" ")[0]} in ${where} is gone`);
  for (const r of sp.routes ?? []) lost(live.routes.has(r.key), / dev (\S+)/.exec(r.line)?.[1], `route ${r.line} in ${where} is gone`);
  for (const f of sp.fdb ?? []) {
    const [dev, mac, dst] = f.split(" ");
    lost(live.fdb.has(f), dev, `forwarding entry ${mac} dst ${dst} of ${dev} in ${where} is gone`);
  }
  for (const q of sp.qdiscs ?? []) lost(live.qdiscs.has(q), q.split(" ")[0], `the ${q.split(" ")[1]} qdisc of ${q.split(" ")[0]} in ${where} is gone`);
  if (sp.ipRules && live.ipRules < sp.ipRules) lost(false, undefined, `${where} holds ${live.ipRules} of the lab's ${sp.ipRules} ip rule${sp.ipRules === 1 ? "" : "s"}`);
  for (const [k, v] of Object.entries(sp.sysctls ?? {})) {
    const now = live.sysctls.get(k);
    if (now !== null && now !== undefined && sameSysctl(now, v)) continue;
    // A setting of an interface that is gone is gone with it: set again once the interface is back.
    const dev = sysctlDevice(k);
    sd.sysctls = true;
    if (now === null || now === undefined) {
      // An interface that is there has no IPv6 settings when the kernel took IPv6 off it (an MTU below 1280).
      const why = !dev ? "" : !live.links.has(dev) ? ` (no interface ${dev})` : sysctlParts(k)?.[1] === "ipv6" ? ` (${dev} has no IPv6: its MTU below 1280?)` : ` (${dev} has no such setting)`;
      if (!dev || !gone.has(dev)) out.push(`${sp.who === "host" ? "host sysctl" : `sysctl in ${where}:`} ${k} is gone${why}, the lab set ${v}`);
    } else out.push(`${sp.who === "host" ? "host sysctl" : `sysctl in ${where}:`} ${k} is ${now.replace(/\t/g, " ")}, the lab set ${v}`); // ip_local_port_range: fields apart by a tab
  }
  return sd;
}

/**
 * Whether a namespace's iptables still hold the lab's rules, chain by chain. In the host
 * (shared, or the isolated host's) only the lab's own chains and tagged jumps count, and must
 * match; in a node's own namespace every rule counts, and there may be more (an `exec:` adds some).
 */
function rulesWhole(sp: Space, family: 4 | 6, save: string, lab: string, out: string[]): boolean {
  const host = sp.who === "host";
  const counts = liveRuleCounts(save, host ? lab : null);
  let whole = true;
  for (const [chain, n] of Object.entries(sp.rules?.[family] ?? {})) {
    const have = counts.get(chain) ?? 0;
    if (host ? have === n : have >= n) continue;
    out.push(`${family === 4 ? "iptables" : "ip6tables"}${host ? "" : ` in ${sp.who}`}: ${chain} holds ${have} of the lab's ${n} rule${n === 1 ? "" : "s"}`);
    whole = false;
  }
  return whole;
}

/** Rules per chain: with a lab, only its own (everything in its NL-<lab>-* chains, its tagged jumps elsewhere); else all. */
function liveRuleCounts(save: string, lab: string | null): Map<string, number> {
  const counts = new Map<string, number>();
  const own = lab === null ? null : ownChain(lab);
  const jump = lab === null ? null : taggedBy(lab, true);
  for (const line of save.split("\n")) {
    const m = /^-A (\S+)/.exec(line);
    if (!m) continue;
    if (lab === null || own!(m[1]) || jump!(line)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return counts;
}
