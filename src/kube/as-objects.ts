// `netlab get … -o json|yaml`: the objects as the API server returns them to kubectl — a `List`
// of Pods, Services, Endpoints, Nodes, Deployments or Namespaces with the fields tutorials read
// (`.status.podIP`, `.spec.clusterIP`, `.subsets[].addresses[].ip`, …), so `jq` and jsonpath
// recipes work. Only what the cluster has is filled; nothing is invented (no uid, no image).
import { labelsByNamespace, nsLabelsOf } from "./policy/verdict.js";
import { deploymentsOf, isReady, listed, namespacesOf, type GetOptions, type Kind, type Live } from "./get.js";
import type { PolicyRule, Selector } from "./policy/types.js";
import type { KubeCluster } from "./types.js";

type Obj = Record<string, unknown>;

const meta = (name: string, ns?: string, labels?: Record<string, string>): Obj => ({ name, ...(ns ? { namespace: ns } : {}), ...(labels && Object.keys(labels).length ? { labels } : {}) });

/** The List `kubectl get KIND -o json` prints. */
export function asObjects(c: KubeCluster, kind: Kind, o: GetOptions, live: Live, ips: Map<string, string>): Obj {
  const inNs = <T extends { ns: string; name: string }>(xs: T[]) => listed(xs, o.ns);
  const hostIP = new Map(c.nodes.map((n) => [n.name, n.underlay]));
  const nsLabels = labelsByNamespace(c);
  const readyPods = new Set(c.pods.filter((p) => isReady(p, live)).map((p) => p.node));
  const items: Obj[] =
    kind === "pods"
      ? inNs(c.pods).map((p) => {
          const up = isReady(p, live);
          const ip = ips.get(p.node);
          return { apiVersion: "v1", kind: "Pod", metadata: meta(p.name, p.ns, p.labels), spec: { nodeName: p.on, ...(p.hostname ? { hostname: p.hostname } : {}), ...(p.subdomain ? { subdomain: p.subdomain } : {}) }, status: { phase: up ? "Running" : "Failed", podIP: ip, podIPs: ip ? [{ ip }] : [], hostIP: hostIP.get(p.on) } };
        })
      : kind === "services"
        ? inNs(c.services).map((s) => ({
            apiVersion: "v1",
            kind: "Service",
            metadata: meta(s.name, s.ns),
            spec: {
              type: s.type,
              ...(s.type === "ExternalName" ? { externalName: s.externalName } : { clusterIP: s.clusterIP, clusterIPs: [s.clusterIP] }),
              ...(s.externalIPs ? { externalIPs: s.externalIPs } : {}),
              ...(s.type === "NodePort" || s.type === "LoadBalancer" ? { externalTrafficPolicy: s.externalLocal ? "Local" : "Cluster" } : {}),
              internalTrafficPolicy: s.internalLocal ? "Local" : "Cluster",
              ...(s.selector ? { selector: s.selector } : {}),
              ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, targetPort: p.targetPort, ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}) })),
              sessionAffinity: s.affinity !== undefined ? "ClientIP" : "None",
            },
            status: { loadBalancer: s.loadBalancer ? { ingress: [{ ip: s.loadBalancer }] } : {} },
          }))
        : kind === "endpoints"
          ? inNs(c.services.filter((s) => s.type !== "ExternalName")).map((s) => {
              const ready = (e: { pod: string }) => readyPods.has(e.pod);
              const subsets = s.ports.some((p) => p.endpoints.some(ready)) ? [{ addresses: [...new Map(s.ports.flatMap((p) => p.endpoints.filter(ready)).map((e) => [e.ip, { ip: e.ip, nodeName: e.node, targetRef: { kind: "Pod", name: e.pod.split("/").pop(), namespace: s.ns } }])).values()], ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.endpoints[0]?.port ?? p.targetPort, protocol: p.protocol })) }] : [];
              return { apiVersion: "v1", kind: "Endpoints", metadata: meta(s.name, s.ns), subsets };
            })
          : kind === "nodes"
            ? c.nodes.map((n) => ({ apiVersion: "v1", kind: "Node", metadata: meta(n.name, undefined, { "kubernetes.io/hostname": n.name }), spec: { podCIDR: n.podSubnet, podCIDRs: [n.podSubnet] }, status: { addresses: [{ type: "InternalIP", address: n.underlay }, { type: "Hostname", address: n.name }] } }))
            : kind === "networkpolicies"
              ? inNs(c.policies ?? []).map((p) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(p.name, p.ns), spec: { podSelector: selector(p.podSelector), policyTypes: p.types, ...(p.ingress.length ? { ingress: p.ingress.map((r) => rule(r, "from")) } : {}), ...(p.egress.length ? { egress: p.egress.map((r) => rule(r, "to")) } : {}) } }))
            : kind === "namespaces"
              ? namespacesOf(c).map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: meta(n, undefined, nsLabelsOf(n, nsLabels)), status: { phase: "Active" } }))
              : deployments(c, inNs, live);
  return { apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } };
}

/** A rule as the API server writes it back: `from`/`to` peers with podSelector, namespaceSelector, ipBlock; ports. */
function rule(r: PolicyRule, peers: "from" | "to"): Obj {
  return { ...(r.peers ? { [peers]: r.peers.map((p) => ({ ...(p.pods ? { podSelector: selector(p.pods) } : {}), ...(p.namespaces ? { namespaceSelector: selector(p.namespaces) } : {}), ...(p.ipBlock ? { ipBlock: p.ipBlock.except.length ? p.ipBlock : { cidr: p.ipBlock.cidr } } : {}) })) } : {}), ...(r.ports ? { ports: r.ports } : {}) };
}

/** A selector as the API server writes it back: empty parts left out ({} selects everything). */
const selector = (s: Selector): Obj => ({ ...(Object.keys(s.matchLabels).length ? { matchLabels: s.matchLabels } : {}), ...(s.matchExpressions.length ? { matchExpressions: s.matchExpressions.map((e) => (e.values.length ? e : { key: e.key, operator: e.operator })) } : {}) });

function deployments(c: KubeCluster, inNs: <T extends { ns: string; name: string }>(xs: T[]) => T[], live: Live): Obj[] {
  return inNs(deploymentsOf(c)).map((d) => {
    const ready = d.pods.filter((p) => isReady(p, live)).length;
    const selector = JSON.parse(c.selectors?.[`Deployment/${d.ns}/${d.name}`] ?? "{}") as Record<string, string>;
    return { apiVersion: "apps/v1", kind: "Deployment", metadata: meta(d.name, d.ns), spec: { replicas: d.pods.length, selector: { matchLabels: selector }, template: { metadata: { labels: d.pods[0]?.labels ?? selector } } }, status: { replicas: d.pods.length, readyReplicas: ready, availableReplicas: ready, updatedReplicas: d.pods.length } };
  });
}
