// LoadBalancer Services' addresses (`kubernetes.loadBalancerCIDR`), as MetalLB gives them: the
// pool is checked against the cluster's other ranges, and the lab's host and its other virtual
// hosts route each address given out to the first cluster node, where kube-proxy's rules take it
// like a node port (plan/features/kube-proxy.ts) — a router's static routes to a node announcing
// them, in the place of MetalLB's BGP or ARP.
import { formatPrefix, overlaps, parsePrefix, type Prefix } from "../net/ip.js";
import type { RawLab } from "../lab/schema.js";
import type { KubeNode } from "./types.js";

/** The pool, or null (none given, or a problem said through `bad`). It may lie in the underlay, not in the pods' or Services' range. */
export function lbPool(text: string | undefined, taken: [string, Prefix | null][], bad: (m: string, h?: string) => void): Prefix | null {
  if (text === undefined) return null;
  const p = parsePrefix(text, false);
  if (!p || p.family !== 4) return bad(`"${text}" is not an IPv4 prefix`, "e.g. 192.168.56.240/28"), null;
  for (const [name, q] of taken) if (q && overlaps(p, q)) return bad(`loadBalancerCIDR ${formatPrefix(p)} overlaps ${name} ${formatPrefix(q)}`, "a range of its own, e.g. 192.168.56.240/28 in the nodes' LAN"), null;
  return p;
}

/**
 * The lab with a route to each assigned address (a /32: the pool may share the underlay, whose
 * other addresses stay on it) via the first cluster node, on the lab's host and on every virtual
 * host outside the cluster.
 */
export function lbRoutes<T extends RawLab>(raw: T, addrs: string[], nodes: KubeNode[]): T {
  if (!addrs.length) return raw;
  const route = addrs.map((a) => `${a}/32 via ${nodes[0].underlay}`);
  const inCluster = new Set(nodes.map((n) => n.name));
  const hosts = Object.fromEntries(Object.entries(raw.hosts ?? {}).map(([name, h]) => [name, inCluster.has(name) ? h : { ...(h ?? {}), routes: [...(h?.routes ?? []), ...route] }]));
  return { ...raw, host: { ...(raw.host ?? {}), routes: [...(raw.host?.routes ?? []), ...route] }, hosts };
}
