// `netlab get LAB pods|services|endpoints|nodes|deployments|namespaces`: the cluster as `kubectl get` prints it — its
// columns, its `<none>`s, its PORT(S) and ENDPOINTS forms — from the lab that is up, with each
// pod's READY and STATUS read live (its servers running or not). Pure: the command reads state.
import { labelsByNamespace, nsLabelsOf } from "./policy/verdict.js";
import type { KubeCluster } from "./types.js";

export type Kind = "pods" | "services" | "endpoints" | "nodes" | "deployments" | "namespaces" | "networkpolicies";

/** kubectl's names and short names of a kind. */
const KINDS: Record<string, Kind> = {
  po: "pods", pod: "pods", pods: "pods", svc: "services", service: "services", services: "services",
  ep: "endpoints", endpoint: "endpoints", endpoints: "endpoints", no: "nodes", node: "nodes", nodes: "nodes",
  deploy: "deployments", deployment: "deployments", deployments: "deployments", ns: "namespaces", namespace: "namespaces", namespaces: "namespaces",
  netpol: "networkpolicies", networkpolicy: "networkpolicies", networkpolicies: "networkpolicies",
};

export const kindOf = (word: string): Kind | null => KINDS[word.toLowerCase()] ?? null;

export interface GetOptions {
  /** The namespace (default "default"); null: every namespace (-A), with a NAMESPACE column. */
  ns: string | null;
  wide: boolean;
  /** kubectl's --show-labels: a LABELS column (pods and namespaces). */
  labels?: boolean;
}

/** What is live: the pods whose servers run (by lab node name), and how long ago the lab came up. */
export interface Live {
  running: Set<string>;
  age: string;
  /** The age of something made at `since` (ISO), after the lab came up. */
  ageSince?: (since: string) => string;
}

/** An object's AGE: since it was created while the cluster is up, else since the cluster came up. */
const ageOfObject = (c: KubeCluster, key: string, live: Live): string => (c.created?.[key] && live.ageSince ? live.ageSince(c.created[key]) : live.age);

/** kubectl's age: 45s, 12m, 3h, 2d. */
export function ageOf(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** The cluster's Deployments, from their pods (a pod's owner): namespace, name, pods. */
export function deploymentsOf(c: KubeCluster): { ns: string; name: string; pods: KubeCluster["pods"] }[] {
  const deps = new Map<string, { ns: string; name: string; pods: KubeCluster["pods"] }>();
  // Every Deployment, one scaled to 0 too (it has no pod to be found from).
  for (const key of Object.keys(c.selectors ?? {})) {
    const [, ns, name] = key.split("/");
    deps.set(`${ns}/${name}`, { ns, name, pods: [] });
  }
  for (const p of c.pods) if (p.owner) (deps.get(`${p.ns}/${p.owner}`) ?? deps.set(`${p.ns}/${p.owner}`, { ns: p.ns, name: p.owner, pods: [] }).get(`${p.ns}/${p.owner}`)!).pods.push(p);
  return [...deps.values()];
}

/** What a listing shows, as the API server lists it: the namespace asked (every one: null), by namespace, then name. */
export function listed<T extends { ns: string; name: string }>(xs: T[], ns: string | null): T[] {
  const order = (x: T) => `${x.ns}\0${x.name}`;
  return xs.filter((x) => ns === null || x.ns === ns).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** A pod is ready once its servers run; one that serves nothing of its own (a command on no containerPort) from the start. */
export const isReady = (p: KubeCluster["pods"][number], live: Live): boolean => p.listens === 0 || live.running.has(p.node);

/** The cluster's namespaces: default, kube-system, every Namespace object, every pod's; sorted. */
export const namespacesOf = (c: KubeCluster): string[] => [...new Set(["default", "kube-system", ...Object.keys(c.objects).filter((k) => k.startsWith("Namespace//")).map((k) => k.slice("Namespace//".length)), ...c.pods.map((p) => p.ns)])].sort();

/** The table of `kind`: a header and rows, as kubectl prints them. */
export function getTable(c: KubeCluster, kind: Kind, o: GetOptions, live: Live, ips: Map<string, string>): { head: string[]; rows: string[][] } {
  const inNs = <T extends { ns: string; name: string }>(xs: T[]) => listed(xs, o.ns);
  const nsCol = (ns: string) => (o.ns === null ? [ns] : []);
  const nsHead = o.ns === null ? ["NAMESPACE"] : [];
  if (kind === "nodes")
    return {
      head: ["NAME", "STATUS", "ROLES", "AGE", "VERSION", ...(o.wide ? ["INTERNAL-IP"] : [])],
      rows: c.nodes.map((n) => [n.name, "Ready", "<none>", live.age, "netlab", ...(o.wide ? [n.underlay] : [])]),
    };
  if (kind === "networkpolicies") {
    // kubectl's POD-SELECTOR: matchLabels as k=v, expressions as kubectl prints them; <none> for {} (every pod).
    const sel = (p: NonNullable<KubeCluster["policies"]>[number]) =>
      [...Object.entries(p.podSelector.matchLabels).map(([k, v]) => `${k}=${v}`), ...p.podSelector.matchExpressions.map((e) => (e.operator === "Exists" ? e.key : e.operator === "DoesNotExist" ? `!${e.key}` : `${e.key} ${e.operator.toLowerCase()} (${e.values.join(",")})`))].join(",") || "<none>";
    return { head: [...nsHead, "NAME", "POD-SELECTOR", "AGE"], rows: inNs(c.policies ?? []).map((p) => [...nsCol(p.ns), p.name, sel(p), ageOfObject(c, `NetworkPolicy/${p.ns}/${p.name}`, live)]) };
  }
  const shown = (l: Record<string, string>) => (o.labels ? [Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(",") || "<none>"] : []); // by key, as kubectl
  const labelsHead = o.labels ? ["LABELS"] : [];
  if (kind === "namespaces") {
    const nsLabels = labelsByNamespace(c);
    return { head: ["NAME", "STATUS", "AGE", ...labelsHead], rows: namespacesOf(c).map((n) => [n, "Active", ageOfObject(c, `Namespace//${n}`, live), ...shown(nsLabelsOf(n, nsLabels))]) };
  }
  if (kind === "deployments") {
    return {
      head: [...nsHead, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
      rows: inNs(deploymentsOf(c)).map((d) => {
        const ready = d.pods.filter((p) => isReady(p, live)).length;
        return [...nsCol(d.ns), d.name, `${ready}/${d.pods.length}`, String(d.pods.length), String(ready), ageOfObject(c, `Deployment/${d.ns}/${d.name}`, live)];
      }),
    };
  }
  if (kind === "pods")
    return {
      head: [...nsHead, "NAME", "READY", "STATUS", "RESTARTS", "AGE", ...(o.wide ? ["IP", "NODE"] : []), ...labelsHead],
      rows: inNs(c.pods).map((p) => {
        const up = isReady(p, live);
        return [...nsCol(p.ns), p.name, up ? "1/1" : "0/1", up ? "Running" : "Error", "0", p.since && live.ageSince ? live.ageSince(p.since) : live.age, ...(o.wide ? [ips.get(p.node) ?? "<none>", p.on] : []), ...shown(p.labels)];
      }),
    };
  if (kind === "services")
    return {
      head: [...nsHead, "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", ...(o.wide ? ["SELECTOR"] : [])],
      rows: inNs(c.services).map((s) => [
        ...nsCol(s.ns),
        s.name,
        s.type,
        s.type === "ExternalName" ? "<none>" : s.clusterIP,
        s.type === "ExternalName" ? s.externalName ?? "<none>" : [...(s.type === "LoadBalancer" ? [s.loadBalancer ?? "<pending>"] : []), ...(s.externalIPs ?? [])].join(",") || "<none>",
        s.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ""}/${p.protocol}`).join(",") || "<none>",
        s.since && live.ageSince ? live.ageSince(s.since) : live.age,
        ...(o.wide ? [Object.entries(s.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(",") || "<none>"] : []),
      ]),
    };
  const ready = new Set(c.pods.filter((p) => isReady(p, live)).map((p) => p.node));
  return {
    head: [...nsHead, "NAME", "ENDPOINTS", "AGE"],
    rows: inNs(c.services)
      .filter((s) => s.type !== "ExternalName")
      .map((s) => {
        const eps = s.ports.flatMap((p) => p.endpoints.filter((e) => ready.has(e.pod)).map((e) => `${e.ip}:${e.port}`));
        const shown = eps.length > 3 ? `${eps.slice(0, 3).join(",")} + ${eps.length - 3} more...` : eps.join(",") || "<none>";
        return [...nsCol(s.ns), s.name, shown, s.since && live.ageSince ? live.ageSince(s.since) : live.age];
      }),
  };
}
