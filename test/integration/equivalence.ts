// Proof of equivalence for `netlab apply` (issue 20, item 7): random sequences of edits, each
// applied to a lab that is up; after each apply the live system — namespaces, links, addresses,
// routes, ip rules, qdiscs, iptables dumps of the host and of every node, sysctls, running
// services, DNS answers — must equal what a fresh `up` of the same file gives. One sandbox: the
// applied state is read, the lab taken down and brought up fresh from the file, read again,
// compared; the sequence goes on from there (equal states: the same start either way). Nodes have
// static addresses, so a fresh up numbers them as apply kept them (sticky addresses have unit tests).
// Used by equivalence.test.ts (a short run) and scripts/equivalence (a long one).
import fc from "fast-check";
import { run } from "../../src/runtime/proc.js";
import type { Sandbox } from "./sandbox.js";

export const LAB = "eqlab";
const NAMES = ["n1", "n2", "n3", "n4", "n5"];
/** The node of the second network, which comes and goes with it. */
const BACK_NODE = "b1";

export interface EqNode {
  name: string;
  /** Its address is 172.31.60.<ip>. */
  ip: number;
  serve: boolean;
  publish: boolean;
  firewall: boolean;
  route: boolean;
  /** On the second network too (at 172.31.61.<ip>), while there is one. */
  back: boolean;
  /** A link to the node after it in the list (the first, for the last), while there is one. */
  link: boolean;
}
export interface EqModel {
  nodes: EqNode[];
  rate: "" | "10mbit" | "20mbit";
  /** A second network, with a node of its own (b1), that an edit adds and removes. */
  back: boolean;
  /** Whether br0 masquerades. */
  nat: boolean;
  /** A lab record svc.example → 10.96.0.<record> (0: none). */
  record: number;
}

/** One edit of the model: `pick` chooses the node, `serve` what an added node runs, `rate` the network's impairment. */
export interface Edit {
  t: "add" | "remove" | "publish" | "firewall" | "route" | "rate" | "network" | "back" | "link" | "address" | "nat" | "serve" | "record";
  pick: number;
  serve: boolean;
  rate: EqModel["rate"];
}

export const editArb: fc.Arbitrary<Edit> = fc.record({
  t: fc.constantFrom(...(["add", "remove", "publish", "firewall", "route", "rate", "network", "back", "link", "address", "nat", "serve", "record"] as const)),
  pick: fc.nat(20),
  serve: fc.boolean(),
  rate: fc.constantFrom("" as const, "10mbit" as const, "20mbit" as const),
});

export const START: EqModel = {
  nodes: [
    { name: "n1", ip: 11, serve: true, publish: true, firewall: false, route: false, back: false, link: false },
    { name: "n2", ip: 12, serve: false, publish: false, firewall: false, route: false, back: false, link: false },
  ],
  rate: "",
  back: false,
  nat: true,
  record: 0,
};

/** The model after an edit (an edit that cannot apply here, such as removing the last node, changes nothing). */
export function edited(m: EqModel, e: Edit): EqModel {
  const nodes = m.nodes.map((n) => ({ ...n }));
  const at = nodes[e.pick % nodes.length];
  const freeIp = () => {
    const used = new Set(nodes.map((n) => n.ip));
    let ip = 11 + (e.pick % 30);
    while (used.has(ip)) ip++;
    return ip;
  };
  switch (e.t) {
    case "add": {
      const name = NAMES.find((x) => !nodes.some((n) => n.name === x));
      if (!name) return m;
      return { ...m, nodes: [...nodes, { name, ip: freeIp(), serve: e.serve, publish: false, firewall: false, route: false, back: false, link: e.serve }] };
    }
    case "address":
      at.ip = freeIp();
      return { ...m, nodes };
    case "nat":
      return { ...m, nat: !m.nat };
    case "record":
      return { ...m, record: m.record ? 0 : 1 + (e.pick % 3) };
    case "remove":
      return nodes.length > 1 ? { ...m, nodes: nodes.filter((n) => n !== at) } : m;
    case "rate":
      return { ...m, rate: e.rate };
    case "network":
      return { ...m, back: !m.back };
    default:
      at[e.t] = !at[e.t];
      return { ...m, nodes };
  }
}

/** The links of a model: each node that has one to the next node (interfaces named after the other end, so a link keeps its names while both ends stay). */
function links(m: EqModel): string[] {
  if (m.nodes.length < 2) return [];
  return m.nodes.flatMap((n, i) => {
    if (!n.link) return [];
    const to = m.nodes[(i + 1) % m.nodes.length];
    const [a, b] = [NAMES.indexOf(n.name), NAMES.indexOf(to.name)];
    return [`  - { endpoints: ["${n.name}:o${to.name}", "${to.name}:i${n.name}"], subnet: 10.99.${a * 5 + b}.0/30 }`];
  });
}

/** The lab file of a model: one bridge, static addresses, services, published ports, firewalls, routes, links, a record. */
export function render(m: EqModel): string {
  const net = `  br0: { subnet: 172.31.60.0/24, nat: ${m.nat}${m.rate ? `, netem: { rate: ${m.rate} }` : ""} }`;
  const node = (n: EqNode, i: number) => {
    const keys = [`networks: { br0: { ip: 172.31.60.${n.ip} }${m.back && n.back ? `, back: { ip: 172.31.61.${n.ip + 100} }` : ""} }`];
    if (n.serve) keys.push("run: netlab serve http --port 80");
    if (n.publish) keys.push(`publish: ["${9100 + NAMES.indexOf(n.name)}:80"]`);
    if (n.firewall) keys.push(`firewall: { input: drop, allow: ["tcp/80"] }`);
    if (n.route) keys.push(`routes: ["10.200.${i + 1}.0/24 via 172.31.60.1"]`);
    return `  ${n.name}: { ${keys.join(", ")} }`;
  };
  const back = m.back ? ["  back: { subnet: 172.31.61.0/24 }", `  ${BACK_NODE}: { networks: { back: { ip: 172.31.61.11 } }, run: netlab serve http --port 80 }`] : ["", ""];
  const ls = links(m);
  const extra = [...(ls.length ? ["links:", ...ls] : []), ...(m.record ? [`records: [{ name: svc.example, type: A, data: 10.96.0.${m.record} }]`] : [])];
  return `name: ${LAB}\nnetworks:\n${net}\n${back[0]}\nnodes:\n${m.nodes.map(node).join("\n")}\n${back[1]}\n${extra.join("\n")}\n`;
}

/** Drops what the kernel numbers or picks on its own (ifindexes, peers' indexes, MACs of veths, qdisc handles, lifetimes, counters). */
function tidy(line: string): string {
  return line
    .replace(/^\d+: /, "")
    .replace(/@if\d+/g, "")
    .replace(/^(\S+)@\S+: /, "$1: ")
    .replace(/link\/ether \S+( brd \S+)?/g, "link/ether")
    .replace(/^qdisc (\S+) [0-9a-f]+: /, "qdisc $1 ")
    .replace(/ (valid|preferred)_lft \S+/g, "")
    .replace(/\[\d+:\d+\]/g, "")
    .replace(/ link-netns \S+| link-netnsid \d+/g, "");
}

/**
 * iptables-save without tables that hold nothing (only built-in chains, every policy ACCEPT): an
 * emptied table stays in the kernel (nf_tables), one never loaded is not listed — the same rules.
 */
function withoutEmptyTables(lines: string[]): string[] {
  const out: string[] = [];
  let block: string[] = [];
  for (const l of lines) {
    block.push(l);
    if (l !== "COMMIT") continue;
    if (block.some((x) => x.startsWith("-") || (x.startsWith(":") && !/^:[A-Z]+ ACCEPT\s*$/.test(x)))) out.push(...block);
    block = [];
  }
  return [...out, ...block];
}

/** Each command's output tidied: in the kernel's order for rulesets (order is meaning), sorted for the rest (the order things were made in). */
async function readNs(argv: string[], extra: string): Promise<string> {
  const cmds = ["ip -o link show", "bridge -d link show", "ip -o addr show", "ip route show table all", "ip -6 route show table all", "ip rule", "tc qdisc show", "iptables-save", "ip6tables-save", "sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding", extra];
  const r = await run([...argv, "sh", "-c", cmds.map((c) => `echo "@@ ${c}"; ${c}`).join("; ")]);
  return r.stdout
    .split("@@ ")
    .slice(1)
    .map((block) => {
      // A line that begins with a space continues the one before (bridge -d: a port's flags).
      const [cmd, ...lines] = block.replace(/\n\s+/g, " ").split("\n");
      const kept = lines.filter((l) => l && !l.startsWith("#")).map(tidy);
      return [cmd, ...(cmd.includes("tables-save") ? withoutEmptyTables(kept) : kept.sort())].join("\n");
    })
    .join("\n");
}

/**
 * Waits (at most 2 s) until no interface that is up still says NO-CARRIER: the kernel tells a
 * veth's carrier to its peer through linkwatch, up to a second late, and the multicast route
 * IPv6 adds with it follows. Both ends of every cable are up in these labs, so a lasting
 * NO-CARRIER is a difference the comparison then shows.
 */
async function settled(spaces: string[]): Promise<void> {
  const script = spaces.map((n) => `ip -n ${n} -o link show up`).join("; ");
  for (let i = 0; i < 40; i++) {
    if (!spaces.length || !(await run(["sh", "-c", script])).stdout.includes("NO-CARRIER")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What a lab that is up has, read from the kernel (a name's addresses as a set: the DNS server
 * rotates several in turn, and how many times it was asked before is not the lab's state): the sandbox's (the lab's host) and every
 * node's links, addresses, routes, rules, qdiscs, iptables and ip6tables, the sysctls netlab
 * sets, the processes running in each node, and what every node resolves for every name.
 */
export async function liveState(sb: Sandbox): Promise<Record<string, string>> {
  const ns = (await run(["ip", "netns", "list"])).stdout.split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(`${LAB}-`)).sort();
  await settled(ns);
  const localnet = "sysctl -a 2>/dev/null | grep -E 'route_localnet = 1' || true";
  const out: Record<string, string> = { namespaces: ns.join(" ") };
  out.host = await readNs(["ip", "netns", "exec", sb.name], localnet);
  for (const n of ns) {
    const who = n.slice(LAB.length + 1);
    const procs = `for p in $(ip netns pids ${n}); do tr '\\0' ' ' < /proc/$p/cmdline; echo; done`;
    out[who] = await readNs(["ip", "netns", "exec", n], localnet);
    out[`${who} processes`] = (await run(["sh", "-c", procs])).stdout.split("\n").filter(Boolean).sort().join("\n");
    out[`${who} names`] = (await run(["ip", "netns", "exec", n, "sh", "-c", [...NAMES, BACK_NODE, "svc.example"].map((x) => `(getent hosts ${x} || echo "${x} none") | sort`).join("; ")])).stdout;
  }
  return out;
}
