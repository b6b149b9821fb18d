// What the running kernel can make, found by trying: each device made once in a throwaway
// network namespace (`unshare --net`) that vanishes with its process. Nothing of the machine's
// is touched, and a missing module is named before anything of the lab is made.
import { keepSeen, seenThisBoot } from "./kernel-seen.js";
import { run } from "./proc.js";

interface Trial {
  module: string;
  /** Shell that succeeds only if the kernel has it (run in a fresh namespace with a veth nlp0 to hang devices off). */
  test: string;
  /** A tool the test needs: without it the feature cannot be tried. */
  tool?: string;
  /** false: not loaded by being used, and often unloaded, so what a trial found does not last the boot (kernel-seen.ts). */
  lasts?: false;
}

const TRIALS: Record<string, Trial> = {
  veth: { module: "veth", test: "ip link add nlt0 type veth peer name nlu0" },
  bridge: { module: "bridge", test: "ip link add nlt0 type bridge" },
  vxlan: { module: "vxlan", test: "ip link add nlt0 type vxlan id 1 dstport 4789" },
  macvlan: { module: "macvlan", test: "ip link add nlt0 link nlp0 type macvlan mode bridge" },
  ipvlan: { module: "ipvlan", test: "ip link add nlt0 link nlp0 type ipvlan mode l2" },
  vlan: { module: "8021q", test: "ip link add nlt0 link nlp0 type vlan id 5" },
  netem: { module: "sch_netem", test: "tc qdisc add dev lo root netem delay 1ms" },
  tbf: { module: "sch_tbf", test: "tc qdisc add dev lo root tbf rate 1mbit burst 3200 latency 100ms" },
  br_netfilter: { module: "br_netfilter", test: "test -e /proc/sys/net/bridge/bridge-nf-call-iptables", lasts: false },
  ipset: { module: "ip_set", test: "ipset create nlt0 hash:ip", tool: "ipset" },
  nf_tables: { module: "nf_tables", test: "nft add table inet nlt0", tool: "nft" },
  sctp: { module: "xt_sctp", test: "iptables -A INPUT -p sctp -m sctp --dport 1 -j ACCEPT", tool: "iptables" },
};

const known = new Map<string, boolean>();
const lasting = (f: string) => TRIALS[f]?.lasts !== false;

/**
 * Whether the kernel has each feature (null: its tool is missing, so it cannot be tried). One
 * process for all of them; each trial cleans up after itself so the next starts from the same state.
 */
export async function probe(features: string[], hasTool: (t: string) => boolean = () => true, cached = false): Promise<Record<string, boolean | null>> {
  const names = [...new Set(features)].filter((f) => TRIALS[f]);
  if (cached) for (const f of seenThisBoot().filter(lasting)) known.set(f, true);
  const ask = names.filter((f) => !known.has(f) && (!TRIALS[f].tool || hasTool(TRIALS[f].tool!)));
  if (ask.length) {
    const script = ["ip link add nlp0 type veth peer name nlq0 2>/dev/null", ...ask.map((f) => `(${TRIALS[f].test}) >/dev/null 2>&1 && echo ok:${f}; ip link del nlt0 2>/dev/null; tc qdisc del dev lo root 2>/dev/null`)].join("\n");
    const r = await run(["unshare", "--net", "sh", "-c", script]);
    for (const f of ask) known.set(f, r.stdout.includes(`ok:${f}\n`));
    if (cached) keepSeen([...known].filter(([f, ok]) => ok && lasting(f)).map(([f]) => f));
  }
  return Object.fromEntries(names.map((f) => [f, known.get(f) ?? null]));
}

/** The kernel module that provides a feature. */
export const moduleOf = (feature: string): string => TRIALS[feature]?.module ?? feature;

/**
 * The features (of `features`) this kernel lacks, each with the module that provides it. What
 * this boot's kernel was once seen to have is not tried again (kernel-seen.ts): a trial's
 * throwaway namespace costs 70-100 ms, most of a small lab's preflight.
 */
export async function missing(features: string[]): Promise<{ feature: string; module: string }[]> {
  const have = await probe(features, undefined, true);
  return Object.entries(have).filter(([, ok]) => ok === false).map(([feature]) => ({ feature, module: TRIALS[feature].module }));
}
