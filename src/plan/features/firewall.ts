// A firewall (`firewall:` on a node or on `host`), one builder for both. In a node's own
// namespace its policies are the built-in chains' policies; in the host, which netlab does not
// own, the same rules go into the lab's chains NL-<lab>-IN/-OUT/-FWD, ending in a DROP where
// the lab asks for a drop policy, and the host's own policies are never touched. Once a policy
// is drop, loopback and established/related traffic stay allowed; over IPv6, neighbour
// solicitations and advertisements too (without them IPv6 does not work at all).
import type { Firewall } from "../../lab/model.js";
import type { Rule, Ruleset } from "../ruleset.js";

type Builtin = "INPUT" | "FORWARD" | "OUTPUT";

/** One `allow` entry as an ACCEPT rule; null when its source is of the other family. */
function allowRule(chain: string, a: Firewall["allow"][number], family: 4 | 6): Rule | null {
  if (a.from && a.from.includes(":") !== (family === 6)) return null;
  const proto = a.proto === "icmp" ? (family === 6 ? "ipv6-icmp" : "icmp") : a.proto;
  return { chain, match: `${a.from ? `-s ${a.from} ` : ""}-p ${proto}${a.port ? ` -m ${proto} --dport ${a.port}` : ""}`, target: "ACCEPT", what: `allow ${a.spec}` };
}

/** The firewall's rules, with `chains` naming where INPUT, FORWARD and OUTPUT rules go. */
function firewallRules(f: Firewall, family: 4 | 6, chains: Record<Builtin, string>): Rule[] {
  const est = "-m conntrack --ctstate RELATED,ESTABLISHED";
  const out: Rule[] = [];
  if (f.input === "drop") out.push({ chain: chains.INPUT, match: "-i lo", target: "ACCEPT", what: "loopback" }, { chain: chains.INPUT, match: est, target: "ACCEPT", what: "established" });
  if (f.forward === "drop") out.push({ chain: chains.FORWARD, match: est, target: "ACCEPT", what: "established" });
  if (f.output === "drop") out.push({ chain: chains.OUTPUT, match: "-o lo", target: "ACCEPT", what: "loopback" }, { chain: chains.OUTPUT, match: est, target: "ACCEPT", what: "established" });
  for (const a of f.allow)
    for (const chain of a.chains) {
      const r = allowRule(chains[chain], a, family);
      if (r) out.push(r);
    }
  if (family === 6 && f.input === "drop" && !f.allow.some((a) => a.proto === "icmp"))
    for (const type of ["neighbour-solicitation", "neighbour-advertisement"])
      out.push({ chain: chains.INPUT, match: `-p ipv6-icmp -m icmp6 --icmpv6-type ${type}`, target: "ACCEPT", what: "neighbour discovery" });
  return out;
}

/** A node's firewall, in its own namespace: policies and rules in the built-in chains; raw rules as written. */
export function nodeFirewall(rs: Ruleset, f: Firewall, dnsServers: string[] = []): void {
  const raw = new Map<string, string[]>();
  if (rs.family === 4) for (const r of f.rules) raw.set(r.table, [...(raw.get(r.table) ?? []), r.rule]);
  const policy = (p: "accept" | "drop") => (p === "drop" ? "DROP" : "ACCEPT");
  // A node that holds networks with names runs their DNS server: its members may always ask it.
  const dns = f.input === "drop" && rs.family === 4 ? dnsServers.flatMap((d) => ["udp", "tcp"].map((p) => ({ chain: "INPUT", match: `-d ${d}/32 -p ${p} -m ${p} --dport 53`, target: "ACCEPT", what: "lab DNS" }))) : [];
  rs.firewall = {
    policies: { INPUT: policy(f.input), FORWARD: policy(f.forward), OUTPUT: policy(f.output) },
    rules: [...firewallRules(f, rs.family, { INPUT: "INPUT", FORWARD: "FORWARD", OUTPUT: "OUTPUT" }), ...dns],
    raw,
  };
}

/** `host.firewall`: the same rules in the lab's own chains, each policy a final DROP. Comes after the lab's own accepts. */
export function hostFirewall(rs: Ruleset, f: Firewall, dnsServers: string[] = []): void {
  const suffix: Record<Builtin, string> = { INPUT: "IN", FORWARD: "FWD", OUTPUT: "OUT" };
  for (const r of firewallRules(f, rs.family, suffix)) rs.add("filter", r.chain, r.match!, r.target!, `host firewall ${r.what}`);
  if (rs.family === 4)
    for (const raw of f.rules) {
      const [, c, rest] = /^-A (\S+)\s+(.*)$/.exec(raw.rule)!;
      rs.addRaw(suffix[c as Builtin], rest, "host firewall rule");
    }
  // The lab's own DNS server listens in the host: its nodes may always ask it.
  if (f.input === "drop" && rs.family === 4)
    for (const d of dnsServers) for (const proto of ["udp", "tcp"]) rs.add("filter", "IN", `-d ${d}/32 -p ${proto} -m ${proto} --dport 53`, "ACCEPT", "host firewall lab DNS");
  for (const key of ["INPUT", "OUTPUT", "FORWARD"] as const) {
    const policy = key === "INPUT" ? f.input : key === "OUTPUT" ? f.output : f.forward;
    if (policy === "drop") rs.add("filter", suffix[key], "", "DROP", `host firewall ${key.toLowerCase()} drop`);
  }
}
