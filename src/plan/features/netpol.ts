// NetworkPolicy enforced the way kube-router's netpol controller enforces it
// (cloudnativelabs/kube-router pkg/controllers/netpol; ../shared/reference/k8s-networking.md §2),
// in every cluster node's namespace, in the same ruleset (one iptables-restore) as kube-proxy's:
// FORWARD/OUTPUT/INPUT → KUBE-ROUTER-*, which send traffic to and from each local pod a policy
// selects into its KUBE-POD-FW-<hash>; there replies pass (KUBE-NWPLCY-COMMON), the node reaches
// its own pods, a direction no policy isolates is marked allowed (KUBE-NWPLCY-DEFAULT), and every
// selecting policy's chain KUBE-NWPLCY-<hash> marks what one of its rules allows, its peers in
// ipsets (KUBE-SRC-/KUBE-DST-<hash>); what is left unmarked is REJECTed. The semantics are
// kube/policy/verdict.ts's; this only writes them as rules. The hashes are of keys with separators
// no name can hold (ns/name|egress), unlike kube-router's bare ns+name: shop/block-metadata's egress
// and sho/pblock-metadataegress's ingress would otherwise be one chain (a review found it).
import type { KubeCluster } from "../../kube/types.js";
import { labelsByNamespace, matches, nsLabelsOf } from "../../kube/policy/verdict.js";
import { inBlock } from "../../kube/policy/read.js";
import type { PolicyPort, PolicyRule } from "../../kube/policy/types.js";
import type { Ruleset } from "../ruleset.js";
import { chainFor } from "./kube-proxy.js";

const ALLOWED = "0x10000/0x10000";
const PASSED = "0x20000/0x20000";

type Pod = KubeCluster["pods"][number] & { ip: string };
type Policy = NonNullable<KubeCluster["policies"]>[number];

/** Adds node `node`'s NetworkPolicy rules to `rs` (kube-proxy's ruleset for the node). */
export function networkPolicies(rs: Ruleset, c: KubeCluster, node: string): void {
  const policies = c.policies ?? [];
  if (!policies.length) return;
  const { pods, nsLabels, selected, byPod } = selection(c);
  const local = pods.filter((p) => p.on === node && byPod.has(p));
  if (!local.length) return;
  for (const c of ["KUBE-ROUTER-INPUT", "KUBE-ROUTER-FORWARD", "KUBE-ROUTER-OUTPUT", "KUBE-NWPLCY-COMMON", "KUBE-NWPLCY-DEFAULT"]) rs.declare("filter", c);
  // Inserted after kube-proxy's jumps, so they come first: a policy sees service traffic too.
  for (const [from, to] of [["INPUT", "KUBE-ROUTER-INPUT"], ["FORWARD", "KUBE-ROUTER-FORWARD"], ["OUTPUT", "KUBE-ROUTER-OUTPUT"]] as const) rs.entry({ table: "filter", from, to, insert: true });
  rs.add("filter", "KUBE-NWPLCY-COMMON", "-m conntrack --ctstate INVALID", "DROP", "rule to drop invalid state for pod");
  rs.add("filter", "KUBE-NWPLCY-COMMON", "-m conntrack --ctstate RELATED,ESTABLISHED", "ACCEPT", "rule for stateful firewall for pod");
  rs.add("filter", "KUBE-NWPLCY-DEFAULT", "", `MARK --set-xmark ${ALLOWED}`, "rule to mark traffic matching a network policy");
  const used = policies.filter((p) => local.some((pod) => selected.get(p)!.has(pod)));
  for (const p of used) policyChainOnce(rs, c, p, pods, nsLabels);
  for (const pod of local) podChain(rs, pod, byPod.get(pod)!);
  for (const ch of ["KUBE-ROUTER-INPUT", "KUBE-ROUTER-FORWARD", "KUBE-ROUTER-OUTPUT"]) rs.add("filter", ch, `-m mark --mark ${PASSED}`, "ACCEPT", "rule to explicitly ACCEPT traffic that comply to network policies");
}

/** Which pods each policy selects, and the policies selecting each pod (in the cluster's order): the same for every node, worked out once per cluster. */
interface Selection {
  pods: Pod[];
  nsLabels: Map<string, Record<string, string>>;
  selected: Map<Policy, Set<Pod>>;
  byPod: Map<Pod, Policy[]>;
}
const selections = new WeakMap<KubeCluster, Selection>();
function selection(c: KubeCluster): Selection {
  const hit = selections.get(c);
  if (hit) return hit;
  const pods = c.pods.filter((p): p is Pod => !!p.ip);
  const inNs = new Map<string, Pod[]>();
  for (const p of pods) (inNs.get(p.ns) ?? inNs.set(p.ns, []).get(p.ns)!).push(p);
  const out: Selection = { pods, nsLabels: labelsByNamespace(c), selected: new Map(), byPod: new Map() };
  for (const p of c.policies ?? []) {
    const chosen = (inNs.get(p.ns) ?? []).filter((pod) => matches(p.podSelector, pod.labels));
    out.selected.set(p, new Set(chosen));
    for (const pod of chosen) (out.byPod.get(pod) ?? out.byPod.set(pod, []).get(pod)!).push(p);
  }
  selections.set(c, out);
  return out;
}

/** What a policy's chain is made of: the same on every node that holds it, so worked out once per cluster and played to each node's ruleset. */
const recorded = new WeakMap<KubeCluster, Map<Policy, ((rs: Ruleset) => void)[]>>();
function policyChainOnce(rs: Ruleset, c: KubeCluster, p: Policy, pods: Pod[], nsLabels: Map<string, Record<string, string>>): void {
  const mine = recorded.get(c) ?? recorded.set(c, new Map()).get(c)!;
  let calls = mine.get(p);
  if (!calls) {
    const list: ((rs: Ruleset) => void)[] = (calls = []);
    const recorder = {
      declare: (...a: Parameters<Ruleset["declare"]>) => list.push((r) => r.declare(...a)),
      ipset: (...a: Parameters<Ruleset["ipset"]>) => list.push((r) => r.ipset(...a)),
      add: (...a: Parameters<Ruleset["add"]>) => list.push((r) => r.add(...a)),
    };
    policyChain(recorder as unknown as Ruleset, p, pods, [...selection(c).selected.get(p)!], nsLabels);
    mine.set(p, calls);
  }
  for (const f of calls) f(rs);
}

const podName = (p: { ns: string; name: string }) => `POD name:${p.name} namespace: ${p.ns}`;

/** A local pod's chain, and the jumps to it for traffic to and from it (routed, and bridged on its node). */
function podChain(rs: Ruleset, pod: Pod, policies: Policy[]): void {
  const ch = chainFor("KUBE-POD-FW-", `${pod.ns}/${pod.name}`);
  rs.declare("filter", ch);
  const to = `-d ${pod.ip}/32`;
  const from = `-s ${pod.ip}/32`;
  for (const [chain, dir] of [["KUBE-ROUTER-FORWARD", "to"], ["KUBE-ROUTER-FORWARD", "from"], ["KUBE-ROUTER-OUTPUT", "to"], ["KUBE-ROUTER-INPUT", "from"]] as const) {
    const m = dir === "to" ? to : from;
    const what = `rule to jump traffic ${dir === "to" ? "destined to" : "from"} ${podName(pod)} to chain ${ch}`;
    rs.add("filter", chain, m, ch, what);
    if (chain === "KUBE-ROUTER-FORWARD") rs.add("filter", chain, `-m physdev --physdev-is-bridged ${m}`, ch, what);
  }
  rs.add("filter", ch, "", "KUBE-NWPLCY-COMMON", "rule to run common rules for pod");
  rs.add("filter", ch, `-m addrtype --src-type LOCAL ${to}`, "ACCEPT", "rule to permit the traffic to pods when source is the pod's local node");
  const ingress = policies.filter((p) => p.types.includes("Ingress"));
  const egress = policies.filter((p) => p.types.includes("Egress"));
  if (!egress.length) rs.add("filter", ch, from, "KUBE-NWPLCY-DEFAULT", `run through default egress network policy chain for ${podName(pod)}`);
  if (!ingress.length) rs.add("filter", ch, to, "KUBE-NWPLCY-DEFAULT", `run through default ingress network policy chain for ${podName(pod)}`);
  // A policy's ingress rules only for traffic to the pod, its egress rules only for traffic from it:
  // one chain each, so an ingress rule never opens the pod's egress (nor the other way).
  for (const p of policies) {
    if (p.types.includes("Ingress")) rs.add("filter", ch, to, chainFor("KUBE-NWPLCY-", `${p.ns}/${p.name}`), `run through nw policy ${shortName(p.name)}`);
    if (p.types.includes("Egress")) rs.add("filter", ch, from, chainFor("KUBE-NWPLCY-", `${p.ns}/${p.name}|egress`), `run through nw policy ${shortName(p.name)} (egress)`);
  }
  rs.add("filter", ch, `-m mark ! --mark ${ALLOWED}`, "REJECT --reject-with icmp-port-unreachable", `rule to REJECT traffic destined for ${podName(pod)}`);
  rs.add("filter", ch, "", "MARK --set-xmark 0x0/0x10000", "reset mark to let traffic pass through rest of the chains");
  rs.add("filter", ch, "", `MARK --set-xmark ${PASSED}`, "set mark to ACCEPT traffic that comply to network policies");
}

/** A policy's chain: each rule as kube-router's two (mark; return if marked), its pods and peers in ipsets. */
function policyChain(rs: Ruleset, p: Policy, pods: Pod[], targets: Pod[], nsLabels: Map<string, Record<string, string>>): void {
  const chains = { ingress: chainFor("KUBE-NWPLCY-", `${p.ns}/${p.name}`), egress: chainFor("KUBE-NWPLCY-", `${p.ns}/${p.name}|egress`) };
  if (p.types.includes("Ingress")) rs.declare("filter", chains.ingress);
  if (p.types.includes("Egress")) rs.declare("filter", chains.egress);
  const targetSet = chainFor("KUBE-DST-", `${p.ns}/${p.name}`);
  rs.ipset(targetSet, { type: "hash:ip", members: targets.map((t) => t.ip) });
  const what = (dir: string) => `rule to ACCEPT ${dir} traffic selected by policy name: ${shortName(p.name)} namespace ${p.ns}`;
  const rule = (match: string, dir: "ingress" | "egress") => {
    rs.add("filter", chains[dir], match, `MARK --set-xmark ${ALLOWED}`, what(dir));
    rs.add("filter", chains[dir], `${match} -m mark --mark ${ALLOWED}`.trim(), "RETURN", what(dir));
  };
  const sides = [["ingress", p.types.includes("Ingress") ? p.ingress : []], ["egress", p.types.includes("Egress") ? p.egress : []]] as const;
  for (const [dir, rules] of sides)
    rules.forEach((r, i) => {
      const mine = `-m set --match-set ${targetSet} ${dir === "ingress" ? "dst" : "src"}`;
      const peerDir = dir === "ingress" ? "src" : "dst";
      const peers = peerMatches(rs, p, r, `${p.ns}/${p.name}|${dir}|${i}`, peerDir, pods, nsLabels);
      // Who serves a named port: the policy's pods for ingress; for egress the peers — any pod when the rule names none, those in a block for ipBlock.
      const isPeer = dir === "egress" && r.peers ? peerPods(p, r, nsLabels) : null;
      const server = dir === "ingress" ? targets : !r.peers ? pods : pods.filter((pod) => isPeer!(pod) || r.peers!.some((x) => x.ipBlock && inBlock(pod.ip, x.ipBlock)));
      for (const peer of peers) for (const port of portMatches(r.ports, server, dir === "ingress" ? "dst" : "peer")) rule([mine, peer, port].filter(Boolean).join(" "), dir);
    });
}

/** The peers of a rule as matches: any (""), a set of pods, a set of address blocks. */
function peerMatches(rs: Ruleset, p: Policy, r: PolicyRule, key: string, dir: "src" | "dst", pods: Pod[], nsLabels: Map<string, Record<string, string>>): string[] {
  if (!r.peers) return [""];
  const out: string[] = [];
  const members = pods.filter(peerPods(p, r, nsLabels)).map((pod) => pod.ip);
  if (r.peers.some((x) => !x.ipBlock)) {
    const set = chainFor(dir === "src" ? "KUBE-SRC-" : "KUBE-DST-", `${key}|pods`);
    rs.ipset(set, { type: "hash:ip", members });
    out.push(`-m set --match-set ${set} ${dir}`);
  }
  // One set per ipBlock peer: peers are ORed, and one block's except must not take another's addresses.
  r.peers.forEach((x, j) => {
    // An IPv6 block matches nothing of the cluster's IPv4 traffic (nor could an inet set hold it).
    if (!x.ipBlock || x.ipBlock.cidr.includes(":")) return;
    const set = chainFor(dir === "src" ? "KUBE-SRC-" : "KUBE-DST-", `${key}|ipblock|${j}`);
    // hash:net holds no /0: it is two halves, as kube-router splits it.
    const nets = (c: string) => (c === "0.0.0.0/0" ? ["0.0.0.0/1", "128.0.0.0/1"] : [c]);
    rs.ipset(set, { type: "hash:net", members: [...nets(x.ipBlock.cidr), ...x.ipBlock.except.map((e) => `${e} nomatch`)] });
    out.push(`-m set --match-set ${set} ${dir}`);
  });
  return out;
}

/** Whether a pod is one of the pods a rule's pod peers name (ipBlocks are matched by address in the kernel); each namespace's labels matched once. */
function peerPods(p: Policy, r: PolicyRule, nsLabels: Map<string, Record<string, string>>): (pod: Pod) => boolean {
  const tests = (r.peers ?? []).filter((x) => !x.ipBlock).map((x) => {
    const ns = new Map<string, boolean>();
    const inNs = (n: string) => ns.get(n) ?? ns.set(n, x.namespaces ? matches(x.namespaces, nsLabelsOf(n, nsLabels)) : n === p.ns).get(n)!;
    return (pod: Pod) => inNs(pod.ns) && (!x.pods || matches(x.pods, pod.labels));
  });
  return (pod) => tests.some((t) => t(pod));
}

/** A rule's ports as matches; a named one resolved on each pod that serves it (`-d IP --dport N`). */
function portMatches(ports: PolicyPort[] | null, servers: Pod[], _side: string): string[] {
  if (!ports) return [""];
  return ports.flatMap((pp) => {
    const proto = pp.protocol.toLowerCase();
    if (pp.port === undefined) return [`-p ${proto}`];
    if (typeof pp.port === "number") return [`-p ${proto} -m ${proto} --dport ${pp.port}${pp.endPort ? `:${pp.endPort}` : ""}`];
    return servers.flatMap((s) => (s.ports ?? []).filter((c) => c.name === pp.port && c.protocol === pp.protocol).map((c) => `-d ${s.ip}/32 -p ${proto} -m ${proto} --dport ${c.port}`));
  });
}

/** A policy's name in a rule's comment: iptables keeps 256 bytes of one, and a name may have 253. */
const shortName = (name: string) => (name.length > 120 ? `${name.slice(0, 117)}...` : name);
