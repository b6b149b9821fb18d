// Services the way kube-proxy's iptables mode builds them, in every cluster node's namespace
// (pkg/proxy/iptables/proxier.go in kubernetes/kubernetes; the expected dumps of its
// proxier_test.go): KUBE-SERVICES dispatches each ClusterIP:port to KUBE-SVC-<hash>, which marks
// off-cluster clients for masquerade and picks an endpoint with the `statistic` ladder (rule i of
// n matches with probability 1/(n-i)) — or pins a client with `recent` (sessionAffinity
// ClientIP) — then KUBE-SEP-<hash> DNATs to the pod (marking hairpin traffic). NodePorts go
// through KUBE-NODEPORTS and KUBE-EXT-<hash>; a Service without endpoints is rejected in filter.
// Chain hashes are kube-proxy's own (portProtoHash), so names match a real node's.
import { sha256 } from "../../digest.js";
import type { KEndpoint, KubeCluster, ServiceModel } from "../../kube/types.js";
import type { Ruleset } from "../ruleset.js";

const MARK = "0x4000";

/** RFC 4648 base32 (Go's base32.StdEncoding), as kube-proxy encodes its chain hashes. */
function base32(buf: Buffer): string {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "";
  let bits = 0;
  let val = 0;
  for (const b of buf) {
    val = ((val << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += A[(val >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits ? out + A[(val << (5 - bits)) & 31] : out;
}

/** kube-proxy's chain name: PREFIX + the first 16 characters of base32(sha256(text)). */
export const chainFor = (prefix: string, text: string) => `${prefix}${base32(sha256(text)).slice(0, 16)}`;

/** A Service port's name as kube-proxy prints it: ns/name, and :port when the port is named. */
const portName = (s: ServiceModel, p: { name: string }) => `${s.ns}/${s.name}${p.name ? `:${p.name}` : ""}`;

/** Adds kube-proxy's rules for `cluster` on node `node` to `rs` (owned, verbatim comments). */
export function kubeProxy(rs: Ruleset, cluster: KubeCluster, node: string): void {
  for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-MARK-MASQ", "KUBE-POSTROUTING"]) rs.declare("nat", c);
  for (const c of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-PROXY-FIREWALL"]) rs.declare("filter", c);
  const NEW = "-m conntrack --ctstate NEW";
  for (const [table, from, to, match] of [
    ["nat", "PREROUTING", "KUBE-SERVICES", ""],
    ["nat", "OUTPUT", "KUBE-SERVICES", ""],
    ["nat", "POSTROUTING", "KUBE-POSTROUTING", ""],
    ["filter", "INPUT", "KUBE-EXTERNAL-SERVICES", NEW],
    ["filter", "INPUT", "KUBE-PROXY-FIREWALL", NEW],
    ["filter", "FORWARD", "KUBE-PROXY-FIREWALL", NEW],
    ["filter", "FORWARD", "KUBE-FORWARD", ""],
    ["filter", "FORWARD", "KUBE-SERVICES", NEW],
    ["filter", "FORWARD", "KUBE-EXTERNAL-SERVICES", NEW],
    ["filter", "OUTPUT", "KUBE-SERVICES", NEW],
    ["filter", "OUTPUT", "KUBE-PROXY-FIREWALL", NEW],
  ] as const)
    rs.entry({ table, from, to, insert: true, ...(match ? { match } : {}) });
  for (const s of cluster.services) if (s.clusterIP && s.clusterIP !== "None") for (const p of s.ports) servicePort(rs, cluster, node, s, p);
  rs.add("nat", "KUBE-SERVICES", "-m addrtype --dst-type LOCAL", "KUBE-NODEPORTS", "kubernetes service nodeports; NOTE: this must be the last rule in this chain");
  rs.add("nat", "KUBE-MARK-MASQ", "", `MARK --or-mark ${MARK}`, "");
  rs.add("nat", "KUBE-POSTROUTING", `-m mark ! --mark ${MARK}/${MARK}`, "RETURN", "");
  rs.add("nat", "KUBE-POSTROUTING", "", `MARK --xor-mark ${MARK}`, "");
  rs.add("nat", "KUBE-POSTROUTING", "", "MASQUERADE --random-fully", "kubernetes service traffic requiring SNAT");
  rs.add("filter", "KUBE-FORWARD", "-m conntrack --ctstate INVALID", "DROP", "");
  rs.add("filter", "KUBE-FORWARD", `-m mark --mark ${MARK}/${MARK}`, "ACCEPT", "kubernetes forwarding rules");
  rs.add("filter", "KUBE-FORWARD", "-m conntrack --ctstate RELATED,ESTABLISHED", "ACCEPT", "kubernetes forwarding conntrack rule");
}

/**
 * One Service port on one node, as proxier.go's syncProxyRules writes it: the ClusterIP goes to
 * the internal policy's chain (KUBE-SVC-…, every endpoint; KUBE-SVL-…, this node's, for
 * internalTrafficPolicy Local), a NodePort through KUBE-EXT-… to the external policy's; a
 * Service without endpoints is rejected, one with no local endpoint where its policy is Local dropped.
 */
function servicePort(rs: Ruleset, cluster: KubeCluster, node: string, s: ServiceModel, p: ServiceModel["ports"][number]): void {
  const spn = portName(s, p);
  const proto = p.protocol.toLowerCase();
  const vip = `-d ${s.clusterIP}/32 -p ${proto} -m ${proto} --dport ${p.port}`;
  const [svc, svl, ext] = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-"].map((c) => chainFor(c, spn + proto));
  const all = p.endpoints;
  const local = all.filter((e) => e.node === node);
  const nodePort = p.nodePort !== undefined ? `-m addrtype --dst-type LOCAL -p ${proto} -m ${proto} --dport ${p.nodePort}` : null;
  // A LoadBalancer's address is taken like the node port: through KUBE-EXT-… (kube-proxy's "loadbalancer IP" rule).
  const lb = s.loadBalancer && nodePort ? `-d ${s.loadBalancer}/32 -p ${proto} -m ${proto} --dport ${p.port}` : null;
  // spec.externalIPs: taken like a LoadBalancer's address, on every node (kube-proxy's "external IP" rules).
  const exts = (s.externalIPs ?? []).map((a) => `-d ${a}/32 -p ${proto} -m ${proto} --dport ${p.port}`);
  if (!all.length) {
    rs.add("filter", "KUBE-SERVICES", vip, "REJECT --reject-with icmp-port-unreachable", `${spn} has no endpoints`);
    for (const x of exts) rs.add("filter", "KUBE-EXTERNAL-SERVICES", x, "REJECT --reject-with icmp-port-unreachable", `${spn} has no endpoints`);
    if (lb) rs.add("filter", "KUBE-EXTERNAL-SERVICES", lb, "REJECT --reject-with icmp-port-unreachable", `${spn} has no endpoints`);
    if (nodePort) rs.add("filter", "KUBE-EXTERNAL-SERVICES", nodePort, "REJECT --reject-with icmp-port-unreachable", `${spn} has no endpoints`);
    return;
  }
  const internal = s.internalLocal ? svl : svc;
  // KUBE-SVC serves the ClusterIP (internal Cluster) and every NodePort (external Cluster; pods and the node itself under Local).
  const external = !!nodePort || exts.length > 0;
  const usesSvc = !s.internalLocal || external;
  const usesSvl = s.internalLocal || (external && s.externalLocal);
  if (s.internalLocal && !local.length) rs.add("filter", "KUBE-SERVICES", vip, "DROP", `${spn} has no local endpoints`);
  else {
    rs.add("nat", "KUBE-SERVICES", vip, internal, `${spn} cluster IP`);
    rs.add("nat", internal, `! -s ${cluster.podCIDR} ${vip}`, "KUBE-MARK-MASQ", `${spn} cluster IP`);
  }
  for (const x of exts) rs.add("nat", "KUBE-SERVICES", x, ext, `${spn} external IP`);
  if (lb && (!s.externalLocal || local.length)) rs.add("nat", "KUBE-SERVICES", lb, ext, `${spn} loadbalancer IP`);
  if (usesSvc) endpointLadder(rs, svc, spn, proto, all, s.affinity);
  if (usesSvl && local.length) endpointLadder(rs, svl, spn, proto, local, s.affinity);
  if (!nodePort && !exts.length) return;
  if (nodePort) rs.add("nat", "KUBE-NODEPORTS", `-p ${proto} -m ${proto} --dport ${p.nodePort}`, ext, spn);
  if (!s.externalLocal) {
    rs.add("nat", ext, "", "KUBE-MARK-MASQ", `masquerade traffic for ${spn} external destinations`);
    rs.add("nat", ext, "", svc, "");
    return;
  }
  // externalTrafficPolicy Local: outside clients keep their address, and reach this node's endpoints only;
  // pods and the node itself short-circuit to every endpoint (KUBE-SVC).
  rs.add("nat", ext, `-s ${cluster.podCIDR}`, svc, `pod traffic for ${spn} external destinations`);
  rs.add("nat", ext, "-m addrtype --src-type LOCAL", "KUBE-MARK-MASQ", `masquerade LOCAL traffic for ${spn} external destinations`);
  rs.add("nat", ext, "-m addrtype --src-type LOCAL", svc, `route LOCAL traffic for ${spn} external destinations`);
  if (local.length) rs.add("nat", ext, "", svl, "");
  else for (const x of [nodePort, lb, ...exts]) if (x) rs.add("filter", "KUBE-EXTERNAL-SERVICES", x, "DROP", `${spn} has no local endpoints`);
}

/** A chain's endpoints: affinity checks first (ClientIP), then the random ladder; each endpoint's own DNAT chain. */
function endpointLadder(rs: Ruleset, chain: string, spn: string, proto: string, eps: KEndpoint[], affinity?: number): void {
  const sep = (e: KEndpoint) => chainFor("KUBE-SEP-", `${spn}${proto}${e.ip}:${e.port}`);
  if (affinity !== undefined) for (const e of eps) rs.add("nat", chain, `-m recent --name ${sep(e)} --mask 255.255.255.255 --rsource --rcheck --seconds ${affinity} --reap`, sep(e), `${spn} -> ${e.ip}:${e.port}`);
  eps.forEach((e, i) => {
    const n = eps.length - i;
    rs.add("nat", chain, n > 1 ? `-m statistic --mode random --probability ${(1 / n).toFixed(10)}` : "", sep(e), `${spn} -> ${e.ip}:${e.port}`);
    rs.add("nat", sep(e), `-s ${e.ip}/32`, "KUBE-MARK-MASQ", spn);
    const pin = affinity !== undefined ? `-m recent --name ${sep(e)} --mask 255.255.255.255 --rsource --set ` : "";
    rs.add("nat", sep(e), `${pin}-p ${proto} -m ${proto}`, `DNAT --to-destination ${e.ip}:${e.port}`, spn);
  });
}
