// Kubernetes' NetworkPolicy semantics, as the enforcers compile them and the upstream e2e tests
// assert them (../shared/reference/k8s-networking.md §2): a pod is isolated for a direction once
// a policy of its namespace selects it for that direction; then only what some selecting policy's
// rule allows passes — peers ORed, ports ORed, peers ANDed with ports, rules and policies added
// up. A connection needs egress allowed at the client and ingress at the server. What answers
// `netlab explain` and what an expected matrix is checked against; the kernel's rules are
// compiled from the same model.
import { exceptTaking, inBlock } from "./read.js";
import type { KPolicy, Peer, PolicyPod, PolicyPort, PolicyRule, Selector } from "./types.js";

/** Whether labels match a selector (matchLabels and matchExpressions, ANDed; empty: everything). */
export function matches(s: Selector, labels: Record<string, string>): boolean {
  if (!Object.entries(s.matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return s.matchExpressions.every((e) => {
    const has = e.key in labels;
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    if (e.operator === "In") return has && e.values.includes(labels[e.key]);
    return !has || !e.values.includes(labels[e.key]);
  });
}

/** An end of a connection: a pod of the cluster, or an address outside it. */
export type End = PolicyPod | { ip: string };
const isPod = (e: End): e is PolicyPod => "ns" in e;

/** What one side decided: isolated or not, the policies that select it, the rule that allowed. */
export interface Side {
  isolated: boolean;
  policies: string[];
  allowedBy?: { policy: string; rule: number };
  /** Nothing allowed, and an ipBlock of this rule had the address but for this except. */
  excepted?: { policy: string; rule: number; except: string };
}

export interface Verdict {
  allowed: boolean;
  egress: Side;
  ingress: Side;
}

/**
 * Namespace labels, with the one Kubernetes gives every namespace: kubernetes.io/metadata.name is
 * always its name, whatever the manifest says (the API server overwrites it; policies rely on it).
 */
export function nsLabelsOf(ns: string, labels: Map<string, Record<string, string>>): Readonly<Record<string, string>> {
  // Once per namespace and map: a 500-pod cluster under 100 policies asks it ~10⁵ times a plan.
  const seen = cached.get(labels) ?? cached.set(labels, new Map()).get(labels)!;
  return seen.get(ns) ?? seen.set(ns, { ...(labels.get(ns) ?? {}), "kubernetes.io/metadata.name": ns }).get(ns)!;
}
/** A cluster's namespaces' labels as given (the `namespaces` it keeps), for nsLabelsOf. */
export const labelsByNamespace = (c: { namespaces?: Record<string, Record<string, string>> } | undefined) => new Map(Object.entries(c?.namespaces ?? {}));
const cached = new WeakMap<Map<string, Record<string, string>>, Map<string, Record<string, string>>>();

function peerMatches(p: Peer, policyNs: string, other: End, nsLabels: Map<string, Record<string, string>>): boolean {
  if (p.ipBlock) return inBlock(other.ip, p.ipBlock);
  if (!isPod(other)) return false;
  const nsOk = p.namespaces ? matches(p.namespaces, nsLabelsOf(other.ns, nsLabels)) : other.ns === policyNs;
  return nsOk && (!p.pods || matches(p.pods, other.labels));
}

/** Whether a rule's port matches the connection's, named ports resolved on `server` (the pod that listens). */
function portMatches(pp: PolicyPort, port: number, proto: string, server: End): boolean {
  if (pp.protocol !== proto) return false;
  if (pp.port === undefined) return true;
  if (typeof pp.port === "number") return port >= pp.port && port <= (pp.endPort ?? pp.port);
  return isPod(server) && server.ports.some((c) => c.name === pp.port && c.port === port && c.protocol === proto);
}

function ruleAllows(r: PolicyRule, policyNs: string, other: End, port: number, proto: string, server: End, nsLabels: Map<string, Record<string, string>>): boolean {
  const peerOk = !r.peers || r.peers.some((p) => peerMatches(p, policyNs, other, nsLabels));
  const portOk = !r.ports || r.ports.some((pp) => portMatches(pp, port, proto, server));
  return peerOk && portOk;
}

function side(policies: KPolicy[], dir: "Ingress" | "Egress", me: End, other: End, port: number, proto: string, server: End, nsLabels: Map<string, Record<string, string>>): Side {
  if (!isPod(me)) return { isolated: false, policies: [] }; // an address outside the cluster has no policies
  const selecting = policies.filter((p) => p.ns === me.ns && p.types.includes(dir) && matches(p.podSelector, me.labels));
  const out: Side = { isolated: selecting.length > 0, policies: selecting.map((p) => `${p.ns}/${p.name}`) };
  for (const p of selecting) {
    const i = (dir === "Ingress" ? p.ingress : p.egress).findIndex((r) => ruleAllows(r, p.ns, other, port, proto, server, nsLabels));
    if (i >= 0) return { ...out, allowedBy: { policy: `${p.ns}/${p.name}`, rule: i } };
  }
  for (const p of selecting)
    for (const [i, r] of (dir === "Ingress" ? p.ingress : p.egress).entries()) {
      // Only where the rule would allow this port: otherwise the port, not the except, is why.
      const portOk = !r.ports || r.ports.some((pp) => portMatches(pp, port, proto, server));
      const except = portOk ? r.peers?.map((x) => x.ipBlock && exceptTaking(other.ip, x.ipBlock)).find(Boolean) : undefined;
      if (except) return { ...out, excepted: { policy: `${p.ns}/${p.name}`, rule: i, except } };
    }
  return out;
}

/** Kubernetes' answer for a new connection from `from` to `to` on port/proto (TCP, UDP, SCTP). */
export function verdict(policies: KPolicy[], nsLabels: Map<string, Record<string, string>>, from: End, to: End, port: number, proto: string): Verdict {
  const egress = side(policies, "Egress", from, to, port, proto, to, nsLabels);
  const ingress = side(policies, "Ingress", to, from, port, proto, to, nsLabels);
  const ok = (s: Side) => !s.isolated || !!s.allowedBy;
  return { allowed: ok(egress) && ok(ingress), egress, ingress };
}

/** The truth table the upstream e2e tests print: rows from, columns to, `.` allowed, `X` blocked. */
export function matrix(policies: KPolicy[], nsLabels: Map<string, Record<string, string>>, pods: PolicyPod[], port: number, proto: string): string[][] {
  return pods.map((a) => pods.map((b) => (verdict(policies, nsLabels, a, b, port, proto).allowed ? "." : "X")));
}
