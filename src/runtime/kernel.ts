// What the running kernel can make, found by trying: each device made once in a throwaway
// network namespace (`unshare --net`) that vanishes with its process. Nothing of the machine's
// is touched, and a missing module is named before anything of the lab is made.
import { run } from "./proc.js";

/** The module that provides each kind, and how to make one to see. */
const KINDS: Record<string, { module: string; make: string }> = {
  vxlan: { module: "vxlan", make: "ip link add nlt0 type vxlan id 1 dstport 4789" },
  macvlan: { module: "macvlan", make: "ip link add nlt0 link nlp0 type macvlan mode bridge" },
  ipvlan: { module: "ipvlan", make: "ip link add nlt0 link nlp0 type ipvlan mode l2" },
  vlan: { module: "8021q", make: "ip link add nlt0 link nlp0 type vlan id 5" },
  bridge: { module: "bridge", make: "ip link add nlt0 type bridge" },
  veth: { module: "veth", make: "ip link add nlt0 type veth peer name nlu0" },
};

const known = new Map<string, boolean>();

/** The kinds (of `kinds`) this kernel cannot make, each with the module it lacks. */
export async function missingKinds(kinds: string[]): Promise<{ kind: string; module: string }[]> {
  const ask = [...new Set(kinds)].filter((k) => KINDS[k] && !known.has(k));
  if (ask.length) {
    const script = ["ip link add nlp0 type veth peer name nlq0 2>/dev/null", ...ask.map((k) => `${KINDS[k].make} 2>/dev/null && echo ok:${k}; ip link del nlt0 2>/dev/null`)].join("\n");
    const r = await run(["unshare", "--net", "sh", "-c", script]);
    for (const k of ask) known.set(k, r.stdout.includes(`ok:${k}\n`));
  }
  return [...new Set(kinds)].filter((k) => KINDS[k] && known.get(k) === false).map((k) => ({ kind: k, module: KINDS[k].module }));
}

/** Queueing disciplines, each with its module, and a line that makes one on loopback to see. */
const QDISCS: Record<string, { module: string; make: string }> = {
  netem: { module: "sch_netem", make: "tc qdisc add dev lo root netem delay 1ms" },
  tbf: { module: "sch_tbf", make: "tc qdisc add dev lo root tbf rate 1mbit burst 3200 latency 100ms" },
};

/** The qdiscs (of `names`) this kernel cannot make, each with the module it lacks. */
export async function missingQdiscs(names: string[]): Promise<{ qdisc: string; module: string }[]> {
  const ask = [...new Set(names)].filter((q) => QDISCS[q] && !known.has(`qdisc:${q}`));
  if (ask.length) {
    const script = ask.map((q) => `${QDISCS[q].make} 2>/dev/null && echo ok:${q}; tc qdisc del dev lo root 2>/dev/null`).join("\n");
    const r = await run(["unshare", "--net", "sh", "-c", script]);
    for (const q of ask) known.set(`qdisc:${q}`, r.stdout.includes(`ok:${q}\n`));
  }
  return [...new Set(names)].filter((q) => QDISCS[q] && known.get(`qdisc:${q}`) === false).map((q) => ({ qdisc: q, module: QDISCS[q].module }));
}

/** Other kernel features, each tried the same way; a feature whose tool is missing cannot be tried (null). */
const OTHER: Record<string, { tool?: string; test: string }> = {
  br_netfilter: { test: "test -e /proc/sys/net/bridge/bridge-nf-call-iptables" },
  ipset: { tool: "ipset", test: "ipset create nlt0 hash:ip" },
  nf_tables: { tool: "nft", test: "nft add table inet nlt0" },
};

export async function probeOther(names: string[], hasTool: (t: string) => boolean): Promise<Record<string, boolean | null>> {
  const out: Record<string, boolean | null> = {};
  const ask = names.filter((n) => OTHER[n] && (!OTHER[n].tool || hasTool(OTHER[n].tool!)));
  for (const n of names) out[n] = null;
  if (ask.length) {
    const r = await run(["unshare", "--net", "sh", "-c", ask.map((n) => `${OTHER[n].test} 2>/dev/null && echo ok:${n}`).join("\n")]);
    for (const n of ask) out[n] = r.stdout.includes(`ok:${n}\n`);
  }
  return out;
}
