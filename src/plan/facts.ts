// What a lab that is up must still have, in every namespace it made or uses, cheap to compare
// with the live system: its namespaces; in each, the devices the kinds name (with their kind
// and bridge), and what the plan's own ops put there — addresses, routes, ip rules, VXLAN
// forwarding entries, root qdiscs, sysctls, and how many iptables rules each chain holds.
// Read off the plan (what `up` runs is what is expected), recorded with the state at `up`, so
// that `status` reads no lab file and plans nothing.
import type { Lab } from "../lab/model.js";
import { formatIfAddr, parseIfAddr } from "../net/ip.js";
import { routeKey } from "../net/route.js";
import { labObjects } from "./kinds/index.js";
import type { Ns, Op, Plan } from "./ops.js";

/** A device that must exist in a namespace. */
export interface LinkFact {
  name: string;
  kind?: string;
  master?: string;
  what: string;
}

/** One namespace's share of the lab. Empty fields are left out. */
export interface Space {
  /** "host", or the node (or virtual host) whose namespace it is: messages name it. */
  who: string;
  /** Its name under /run/netns; null for the lab's host when that is a namespace netlab did not make. */
  ns: Ns;
  links: LinkFact[];
  /** "DEV ADDR/LEN", the address in canonical form. */
  addrs?: string[];
  /** Routes by "TABLE DST/LEN" (routeKey), with the plan's line for messages. */
  routes?: { key: string; line: string }[];
  /** VXLAN remotes: "DEV MAC DST". */
  fdb?: string[];
  /** Root qdiscs: "DEV KIND" (netem, tbf). */
  qdiscs?: string[];
  /** How many `ip rule`s the lab added. */
  ipRules?: number;
  /** family → chain → iptables rules: the lab's own chains and its jumps (in a node, every chain it loads). */
  rules?: Record<string, Record<string, number>>;
  sysctls?: Record<string, string>;
}

export interface Facts {
  namespaces: string[];
  spaces: Space[];
}

/** An address as the kernel prints it ("fd00::1/64", not "fd00:0::1/64"), for comparing. */
export function canonAddr(text: string): string {
  const a = parseIfAddr(text);
  return a ? formatIfAddr(a) : text;
}

/** A route line's identity: "TABLE DST/LEN" (see routeKey). */
export function routeId(line: string): string | null {
  let id = routeIds.get(line);
  if (id === undefined) {
    const k = routeKey(line);
    routeIds.set(line, (id = k ? `${k.table} ${k.dst}` : null));
  }
  return id;
}
// Most nodes of a lab share their route lines ("default via GATEWAY"): each is parsed once.
const routeIds = new Map<string, string | null>();

export function factsOf(lab: Lab, plan: Plan): Facts {
  const steps = plan.phases.flatMap((p) => p.steps);
  const namespaces = steps.filter((s) => s.id.startsWith("netns")).flatMap((s) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines.map((l) => l.slice("netns add ".length)) : [])));
  const spaces = new Map<Ns, Space>([[lab.hostNs, { who: "host", ns: lab.hostNs, links: [] }]]);
  for (const n of lab.nodes) spaces.set(n.ns, { who: n.name, ns: n.ns, links: [] });
  const byName = new Map(lab.nodes.map((n) => [n.name, n.ns]));
  const nsOfHolder = (h: string | null): Ns => (h === null ? lab.hostNs : byName.get(h)!);
  for (const o of labObjects(lab)) {
    const { holder, ...link } = o;
    spaces.get(nsOfHolder(holder))?.links.push(link);
  }
  for (const s of steps) for (const op of s.ops) if ("ns" in op) addOp(spaces.get(op.ns), op);
  return { namespaces, spaces: [...spaces.values()] };
}

/** What one op of the plan leaves in its namespace. */
function addOp(sp: Space | undefined, op: Op): void {
  if (!sp) return;
  const add = (k: "addrs" | "fdb" | "qdiscs", v: string) => (sp[k] ??= []).push(v);
  if (op.op === "ip") {
    for (const l of op.lines) {
      const a = /^address add (\S+) dev (\S+)/.exec(l);
      if (a) add("addrs", `${a[2]} ${canonAddr(a[1])}`);
      const r = /^route (?:replace|add) (.*)$/.exec(l);
      const key = r && routeId(r[1]);
      if (r && key) (sp.routes ??= []).push({ key, line: r[1] });
      if (l.startsWith("rule add ")) sp.ipRules = (sp.ipRules ?? 0) + 1;
    }
    if (op.sysctls) Object.assign((sp.sysctls ??= {}), op.sysctls);
  } else if (op.op === "route-override") {
    const key = routeId(op.route);
    if (key) (sp.routes ??= []).push({ key, line: op.route });
  } else if (op.op === "bridge") {
    for (const l of op.lines) {
      const f = /^fdb append (\S+) dev (\S+) dst (\S+)/.exec(l);
      if (f) add("fdb", `${f[2]} ${f[1]} ${f[3]}`);
    }
  } else if (op.op === "tc") {
    for (const l of op.lines) {
      const q = /^qdisc replace dev (\S+) root (\S+)/.exec(l);
      if (q) add("qdiscs", `${q[1]} ${q[2]}`);
    }
  } else if (op.op === "sysctl") {
    Object.assign((sp.sysctls ??= {}), op.values);
  } else if (op.op === "iptables") {
    const counts = ((sp.rules ??= {})[op.family] ??= {});
    for (const line of op.text.split("\n")) {
      const m = /^-[AI] (\S+)/.exec(line);
      if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    }
    for (const j of op.jumps ?? []) counts[j.chain] = (counts[j.chain] ?? 0) + 1;
  }
}
