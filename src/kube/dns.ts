// Cluster DNS, as kubeadm installs it: a Deployment `coredns` in kube-system (label
// k8s-app: kube-dns) behind the Service `kube-system/kube-dns` at serviceCIDR's .10, reached
// through kube-proxy's rules like any Service. The pod runs the lab's DNS server
// (`netlab dns-server LAB --in kube-system/coredns-0`, dns/cluster-view.ts), which answers the
// records the Kubernetes DNS specification (kubernetes/dns docs/specification.md) asks for and
// CoreDNS's kubernetes plugin gives: Services' A, SRV for named ports, CNAME for ExternalName,
// every ready pod of a headless Service (by hostname/subdomain, else by dashed address), pods'
// dashed-address names, PTR.
import type { DnsRecord } from "../lab/model.js";
import { LabSource } from "../lab/source.js";
import { formatAddr, parsePrefix } from "../net/ip.js";
import type { Manifest } from "./manifests.js";
import type { KubeCluster } from "./types.js";

export const CLUSTER_DOMAIN = "cluster.local";
/** The cluster DNS's pod (the lab node its server runs in). */
export const DNS_POD = "kube-system/coredns-0";

/** The kubelet's resolv.conf for a pod in namespace `ns` (its --cluster-dns and --cluster-domain). */
export function podResolv(ns: string, dnsIP: string): { nameservers: string[]; search: string[]; options: string[] } {
  return { nameservers: [dnsIP], search: [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN], options: ["ndots:5"] };
}

/** serviceCIDR's .10: where kubeadm puts the cluster DNS. */
export const dnsIPOf = (serviceCIDR: string): string => formatAddr(4, parsePrefix(serviceCIDR, false)!.addr + 10n);

/**
 * The cluster's own objects, as kubeadm's addon manifests have them (the parts the network sees):
 * the `kubernetes` Service at .1, the cluster DNS's Deployment and Service at .10 — read before
 * the user's, so the DNS pod is always the first of node 1.
 */
export function dnsAddon(serviceCIDR: string): Manifest[] {
  const labels = { "k8s-app": "kube-dns" };
  const meta = (name: string) => ({ name, namespace: "kube-system", labels });
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("coredns"),
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "coredns", ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }] }] } },
    },
  };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("kube-dns"),
    spec: { clusterIP: dnsIPOf(serviceCIDR), selector: labels, ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }, { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 }] },
  };
  // The API server's Service, every cluster's first (.1): here no API server answers behind it (kube-proxy rejects), but its name resolves.
  const kubernetes = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { clusterIP: formatAddr(4, parsePrefix(serviceCIDR, false)!.addr + 1n), ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  };
  return [kubernetes, deployment, service].map((data) => {
    const src = LabSource.fromObject(data, "<netlab's cluster DNS>");
    return { data, at: (k) => ({ src, key: k }) };
  });
}

/** `10.244.1.5` → `10-244-1-5`: how CoreDNS names an address. */
const dashed = (ip: string) => ip.replaceAll(".", "-");

export interface ClusterRecords {
  records: DnsRecord[];
  /** address → the name a PTR query for it answers. */
  ptr: Map<string, string>;
}

/** Every record the cluster DNS answers, from the cluster as it is (endpoints' addresses filled). */
export function clusterRecords(c: KubeCluster): ClusterRecords {
  const records: DnsRecord[] = [];
  const ptr = new Map<string, string>();
  const add = (name: string, type: DnsRecord["type"], data: string) => records.push({ name, type, data, networks: [] });
  const pods = new Map(c.pods.map((p) => [p.node, p]));
  for (const s of c.services) {
    const fqdn = `${s.name}.${s.ns}.svc.${CLUSTER_DOMAIN}`;
    if (s.type === "ExternalName") {
      if (s.externalName) add(fqdn, "CNAME", s.externalName.toLowerCase().replace(/\.$/, ""));
      continue;
    }
    const named = s.ports.filter((p) => p.name);
    if (s.clusterIP !== "None") {
      add(fqdn, "A", s.clusterIP);
      if (!ptr.has(s.clusterIP)) ptr.set(s.clusterIP, fqdn);
      for (const p of named) add(`_${p.name}._${p.protocol.toLowerCase()}.${fqdn}`, "SRV", `0 100 ${p.port} ${fqdn}`);
      continue;
    }
    // Headless: every ready endpoint, each by its hostname: spec.hostname where its spec.subdomain
    // is this Service (a StatefulSet's pods), else its address dashed — as CoreDNS names them.
    const host = (e: { pod: string; ip: string }) => {
      const p = pods.get(e.pod);
      return `${p?.hostname && p.subdomain === s.name ? p.hostname : dashed(e.ip)}.${fqdn}`;
    };
    const eps = new Map(s.ports.flatMap((p) => p.endpoints).map((e) => [e.ip, e]));
    for (const e of eps.values()) {
      add(fqdn, "A", e.ip);
      add(host(e), "A", e.ip);
      if (!ptr.has(e.ip)) ptr.set(e.ip, host(e));
    }
    for (const p of named) {
      const weight = Math.floor(100 / Math.max(1, p.endpoints.length));
      for (const e of p.endpoints) add(`_${p.name}._${p.protocol.toLowerCase()}.${fqdn}`, "SRV", `0 ${weight} ${e.port} ${host(e)}`);
    }
  }
  for (const p of c.pods) if (p.ip) add(`${dashed(p.ip)}.${p.ns}.pod.${CLUSTER_DOMAIN}`, "A", p.ip);
  return { records, ptr };
}
