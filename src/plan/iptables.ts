// Rules netlab puts into a namespace's iptables, kube-proxy style: compute the whole
// desired ruleset for the lab, load it with one iptables-restore --noflush per table.
// Everything lives in chains named NL-<lab>-<SUFFIX> reached by one jump per built-in
// chain, and every rule carries a `netlab:<lab>[:what]` comment, so `down` can remove
// exactly what we added even in a namespace we do not own.
import type { Firewall, Lab, Network, Node } from "../lab/model.js";
import type { Ns, Op } from "./ops.js";

export const chainName = (lab: string, suffix: string) => `NL-${lab}-${suffix}`;
const tag = (lab: string, what?: string) => `-m comment --comment ${JSON.stringify(what ? `netlab:${lab}:${what}` : `netlab:${lab}`)}`;

export interface Rules {
  ns: Ns;
  family: 4 | 6;
  filter: string[];
  /** Rules of the lab's POSTROUTING chain (masquerade). */
  nat: string[];
  /** Rules of the lab's PRE chain (DNAT for published ports), entered for local destinations from PREROUTING and OUTPUT. */
  pre: string[];
}

/** Forwarding and NAT rules for the bridges one namespace holds (the host's, or a node's with `in:`). */
export function bridgeRules(lab: Lab, ns: Ns, nets: Network[], hostIfaces: string[], forward: boolean, family: 4 | 6 = 4): Rules {
  const L = lab.name;
  const FWD = chainName(L, "FWD");
  const filter: string[] = [];
  const nat: string[] = [];
  for (const n of nets) {
    if (n.internal) {
      filter.push(`-A ${FWD} -i ${n.bridge} ! -o ${n.bridge} ${tag(L, `network ${n.name} internal`)} -j DROP`);
      filter.push(`-A ${FWD} ! -i ${n.bridge} -o ${n.bridge} ${tag(L, `network ${n.name} internal`)} -j DROP`);
    }
  }
  // Docker's behaviour between user-defined bridges: no forwarding from one to another.
  const isolated = nets.filter((n) => n.isolate && !n.internal);
  for (const a of isolated)
    for (const b of isolated)
      if (a !== b) filter.push(`-A ${FWD} -i ${a.bridge} -o ${b.bridge} ${tag(L, `isolate ${a.name} from ${b.name}`)} -j DROP`);
  for (const n of nets) {
    const subnet = family === 4 ? n.subnet : n.subnet6;
    if ((family === 4 ? n.nat : n.nat6) && subnet) {
      filter.push(`-A ${FWD} -i ${n.bridge} ! -o ${n.bridge} ${tag(L, `network ${n.name} nat out`)} -j ACCEPT`);
      filter.push(`-A ${FWD} -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED ${tag(L, `network ${n.name} nat return`)} -j ACCEPT`);
      nat.push(`-A ${chainName(L, "POST")} -s ${subnet} ! -o ${n.bridge} ${tag(L, `network ${n.name} nat`)} -j MASQUERADE`);
    }
  }
  if (forward && hostIfaces.length) {
    // Routed lab traffic flows even where the FORWARD policy is DROP (a Docker host).
    const LABIF = chainName(L, "LABIF");
    for (const i of hostIfaces) filter.push(`-A ${FWD} -i ${i} ${tag(L, "lab interface")} -j ${LABIF}`);
    for (const i of hostIfaces) filter.push(`-A ${LABIF} -o ${i} ${tag(L, "lab interface")} -j ACCEPT`);
  }
  if (filter.length) {
    // Frames bridged inside one network pass FORWARD when br_netfilter is loaded.
    for (const n of nets) filter.push(`-A ${FWD} -i ${n.bridge} -o ${n.bridge} ${tag(L, `network ${n.name}`)} -j ACCEPT`);
  }
  return { ns, family, filter, nat, pre: [] };
}

/**
 * Published ports, as Docker does them without its userland proxy: DNAT for traffic to a
 * local address (from outside, from other nodes, and from the host itself via OUTPUT),
 * masquerade for the hairpin (a node reaching the host's address on its own bridge) and for
 * 127.0.0.1 (which also needs route_localnet on the bridge), and a FORWARD accept so that it
 * works where the policy is DROP.
 */
export function publishRules(lab: Lab, r: Rules): Rules {
  const L = lab.name;
  const pubs = lab.nodes.flatMap((n) => n.publish.map((p) => ({ node: n.name, ...p })));
  if (!pubs.length || r.family !== 4) return r;
  const FWD = chainName(L, "FWD");
  const POST = chainName(L, "POST");
  const PRE = chainName(L, "PRE");
  const pre = [...r.pre];
  const filter = [...r.filter];
  const nat = [...r.nat];
  const bridges = new Set<string>();
  const targets = new Set<string>(); // two host ports to one node port need one accept and one hairpin
  for (const p of pubs) {
    const what = `publish ${p.node} ${p.spec}`;
    pre.push(`-A ${PRE}${p.hostIp ? ` -d ${p.hostIp}/32` : ""} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} ${tag(L, what)} -j DNAT --to-destination ${p.to}:${p.port}`);
    bridges.add(p.bridge);
    const target = `${p.to}:${p.port}/${p.proto}`;
    if (targets.has(target)) continue;
    targets.add(target);
    filter.push(`-A ${FWD} -d ${p.to}/32 -o ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.port} ${tag(L, what)} -j ACCEPT`);
    // Only connections that were DNATed: with br_netfilter, direct node-to-node frames pass POSTROUTING too.
    nat.push(`-A ${POST} -s ${p.subnet} -d ${p.to}/32 -o ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.port} -m conntrack --ctstate DNAT ${tag(L, `${what} hairpin`)} -j MASQUERADE`);
  }
  for (const b of bridges) nat.push(`-A ${POST} -s 127.0.0.0/8 -o ${b} ${tag(L, "published ports via 127.0.0.1")} -j MASQUERADE`);
  // Replies to DNATed connections come back through FORWARD too.
  filter.push(`-A ${FWD} -m conntrack --ctstate RELATED,ESTABLISHED ${tag(L, "published ports, replies")} -j ACCEPT`);
  return { ...r, filter, nat, pre };
}

/** One `allow` entry as an ACCEPT rule for a family; null when its source is of the other family. */
function allowLine(chain: string, a: Firewall["allow"][number], family: 4 | 6, comment?: string): string | null {
  if (a.from && a.from.includes(":") !== (family === 6)) return null;
  const proto = a.proto === "icmp" ? (family === 6 ? "ipv6-icmp" : "icmp") : a.proto;
  return `-A ${chain}${a.from ? ` -s ${a.from}` : ""} -p ${proto}${a.port ? ` -m ${proto} --dport ${a.port}` : ""}${comment ? ` ${comment}` : ""} -j ACCEPT`;
}

/**
 * `host.firewall` in a namespace netlab does not own: never the host's policies, only chains
 * of its own (NL-<lab>-IN, -OUT, and the lab's FWD) reached by one jump each, ending in DROP
 * where the lab asks for a drop policy. Comes last, after the lab's own accepts.
 */
export function hostFirewallRules(lab: Lab, r: Rules): Rules {
  const f = lab.host.firewall;
  if (!f) return r;
  const L = lab.name;
  const chain: Record<string, string> = { INPUT: chainName(L, "IN"), OUTPUT: chainName(L, "OUT"), FORWARD: chainName(L, "FWD") };
  const t = (what: string) => tag(L, `host firewall ${what}`);
  const est = "-m conntrack --ctstate RELATED,ESTABLISHED";
  const filter = [...r.filter];
  if (f.input === "drop") filter.push(`-A ${chain.INPUT} -i lo ${t("loopback")} -j ACCEPT`, `-A ${chain.INPUT} ${est} ${t("established")} -j ACCEPT`);
  if (f.output === "drop") filter.push(`-A ${chain.OUTPUT} -o lo ${t("loopback")} -j ACCEPT`, `-A ${chain.OUTPUT} ${est} ${t("established")} -j ACCEPT`);
  if (f.forward === "drop") filter.push(`-A ${chain.FORWARD} ${est} ${t("established")} -j ACCEPT`);
  for (const a of f.allow) {
    const line = allowLine(chain.INPUT, a, r.family, t(`allow ${a.spec}`));
    if (line) filter.push(line);
  }
  if (r.family === 4)
    for (const raw of f.rules) {
      const [, c, rest] = /^-A (\S+)\s+(.*)$/.exec(raw.rule)!;
      filter.push(`-A ${chain[c]} ${t("rule")} ${rest}`);
    }
  if (r.family === 6 && f.input === "drop" && !f.allow.some((a) => a.proto === "icmp"))
    filter.push(`-A ${chain.INPUT} -p ipv6-icmp ${t("neighbour discovery")} -j ACCEPT`);
  for (const [key, c] of Object.entries(chain)) {
    const policy = key === "INPUT" ? f.input : key === "OUTPUT" ? f.output : f.forward;
    if (policy === "drop") filter.push(`-A ${c} ${t(`${key.toLowerCase()} drop`)} -j DROP`);
  }
  return { ...r, filter };
}

/** The iptables-restore ops for a namespace's rules (empty when there are none). */
export function rulesOps(lab: string, r: Rules): Op[] {
  const ops: Op[] = [];
  const chainsIn = (lines: string[]) => [...new Set(lines.map((l) => l.split(" ")[1]))];
  if (r.filter.length) {
    const chains = chainsIn(r.filter);
    const jumps = (["FORWARD", "INPUT", "OUTPUT"] as const)
      .map((builtin) => [builtin, chainName(lab, builtin === "FORWARD" ? "FWD" : builtin === "INPUT" ? "IN" : "OUT")] as const)
      .filter(([, c]) => chains.includes(c))
      .map(([builtin, c]) => `-I ${builtin} 1 ${tag(lab)} -j ${c}`);
    const text = ["*filter", ...chains.map((c) => `:${c} - [0:0]`), ...jumps, ...r.filter, "COMMIT"].join("\n");
    ops.push({ op: "iptables", ns: r.ns, family: r.family, text });
  }
  if (r.nat.length || r.pre.length) {
    const text = [
      "*nat",
      ...(r.nat.length ? [`:${chainName(lab, "POST")} - [0:0]`, `-A POSTROUTING ${tag(lab)} -j ${chainName(lab, "POST")}`] : []),
      ...(r.pre.length
        ? [
            `:${chainName(lab, "PRE")} - [0:0]`,
            `-A PREROUTING -m addrtype --dst-type LOCAL ${tag(lab)} -j ${chainName(lab, "PRE")}`,
            `-A OUTPUT -m addrtype --dst-type LOCAL ${tag(lab)} -j ${chainName(lab, "PRE")}`,
          ]
        : []),
      ...r.nat,
      ...r.pre,
      "COMMIT",
    ].join("\n");
    ops.push({ op: "iptables", ns: r.ns, family: r.family, text });
  }
  return ops;
}

/**
 * From `iptables-save` output, the iptables-restore input that removes exactly this
 * lab's jumps, rules and chains — and nothing else. Empty when there is nothing of ours.
 */
export function cleanupScript(save: string, lab: string): string {
  const ours = new RegExp(`^NL-${lab.replace(/[-]/g, "\\-")}-[A-Z0-9]+$`);
  const tagged = new RegExp(`--comment "?netlab:${lab.replace(/[-]/g, "\\-")}(:[^"]*)?"?( |$)`);
  const out: string[] = [];
  let table = "";
  let dels: string[] = [];
  let chains: string[] = [];
  const flush = () => {
    if (table && (dels.length || chains.length)) {
      out.push(`*${table}`, ...dels, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), "COMMIT");
    }
    dels = [];
    chains = [];
  };
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) { flush(); table = line.slice(1).trim(); continue; }
    if (line.startsWith(":")) {
      const c = line.slice(1).split(" ")[0];
      if (ours.test(c)) chains.push(c);
      continue;
    }
    if (line.startsWith("-A ")) {
      const chain = line.split(" ")[1];
      if (!ours.test(chain) && tagged.test(line)) dels.push("-D" + line.slice(2));
    }
    if (line === "COMMIT") { flush(); table = ""; }
  }
  flush();
  return out.length ? out.join("\n") + "\n" : "";
}

/** Table names present in an iptables-save dump. */
export function tablesIn(save: string): string[] {
  return save.split("\n").filter((l) => l.startsWith("*")).map((l) => l.slice(1).trim());
}

/** A table with no rules, no chains of its own and ACCEPT policies behaves exactly like no table. */
export function pristineTables(save: string): string[] {
  const out: string[] = [];
  let table = "";
  let clean = true;
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) { table = line.slice(1).trim(); clean = true; }
    else if (line.startsWith(":")) { if (!/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT /.test(line)) clean = false; }
    else if (line.startsWith("-")) clean = false;
    else if (line === "COMMIT" && table) { if (clean) out.push(table); table = ""; }
  }
  return out;
}

/**
 * A node's own firewall, in its own namespace (so built-in chains and policies are fine).
 * Once a policy is drop, loopback and established/related traffic stay allowed. The same
 * policies go to ip6tables when the node has IPv6, so that IPv6 is no way around them.
 */
export function firewallOps(node: Node): Op[] {
  const f = node.firewall;
  if (!f) return [];
  const has6 = node.intfs.some((i) => i.addrs.some((a) => a.includes(":")));
  const ops: Op[] = [];
  for (const family of has6 ? ([4, 6] as const) : ([4] as const)) {
    const lines = ["*filter", `:INPUT ${f.input.toUpperCase()} [0:0]`, `:FORWARD ${f.forward.toUpperCase()} [0:0]`, `:OUTPUT ${f.output.toUpperCase()} [0:0]`];
    const est = "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";
    if (f.input === "drop") lines.push("-A INPUT -i lo -j ACCEPT", `-A INPUT ${est}`);
    if (f.forward === "drop") lines.push(`-A FORWARD ${est}`);
    if (f.output === "drop") lines.push("-A OUTPUT -o lo -j ACCEPT", `-A OUTPUT ${est}`);
    for (const a of f.allow) {
      const line = allowLine("INPUT", a, family);
      if (line) lines.push(line);
    }
    if (family === 6 && f.input === "drop" && !f.allow.some((a) => a.proto === "icmp")) {
      // IPv6 needs neighbour discovery to work at all.
      lines.push("-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -j ACCEPT", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -j ACCEPT");
    }
    const byTable = new Map<string, string[]>();
    if (family === 4) for (const r of f.rules) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r.rule]);
    lines.push(...(byTable.get("filter") ?? []), "COMMIT");
    for (const [table, rules] of byTable) if (table !== "filter") lines.push(`*${table}`, ...rules, "COMMIT");
    ops.push({ op: "iptables", ns: node.ns, family, text: lines.join("\n") });
  }
  return ops;
}
