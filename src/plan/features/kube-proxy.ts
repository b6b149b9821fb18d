// Services the way kube-proxy's iptables mode builds them, in every cluster node's namespace
// (pkg/proxy/iptables/proxier.go in kubernetes/kubernetes; the expected dumps of its
// proxier_test.go): KUBE-SERVICES dispatches each ClusterIP:port to KUBE-SVC-<hash>, which marks
// off-cluster clients for masquerade and picks an endpoint with the `statistic` ladder (rule i of
// n matches with probability 1/(n-i)) — or pins a client with `recent` (sessionAffinity
// ClientIP) — then KUBE-SEP-<hash> DNATs to the pod (marking hairpin traffic). NodePorts go
// through KUBE-NODEPORTS and KUBE-EXT-<hash>; a Service without endpoints is rejected in filter.
// Chain hashes are kube-proxy's own (portProtoHash), so names match a real node's.
import { createHash } from "node:crypto";
import type { KubeCluster } from "../../kube/lower.js";
import type { KEndpoint, ServiceModel } from "../../kube/services.js";
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
export const chainFor = (prefix: string, text: string) => `${prefix}${base32(createHash("sha256").update(text).digest()).slice(0, 16)}`;

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

function servicePort(rs: Ruleset, cluster: KubeCluster, node: string, s: ServiceModel, p: ServiceModel["ports"][number]): void {
  const spn = portName(s, p);
  const proto = p.protocol.toLowerCase();
  const dport = `-p ${proto} -m ${proto} --dport ${p.port}`;
  const vip = `-d ${s.clusterIP}/32 ${dport}`;
  const svc = chainFor("KUBE-SVC-", spn + proto);
  const ext = chainFor("KUBE-EXT-", spn + proto);
  // internalTrafficPolicy Local: only this node's endpoints answer the ClusterIP.
  const eps = s.internalLocal ? p.endpoints.filter((e) => e.node === node) : p.endpoints;
  const nodePort = p.nodePort !== undefined ? `-m addrtype --dst-type LOCAL -p ${proto} -m ${proto} --dport ${p.nodePort}` : null;
  if (!eps.length) {
    rs.add("filter", "KUBE-SERVICES", vip, "REJECT --reject-with icmp-port-unreachable", `${spn} has no endpoints`);
    if (nodePort) rs.add("filter", "KUBE-EXTERNAL-SERVICES", nodePort, "REJECT --reject-with icmp-port-unreachable", `${spn} has no endpoints`);
    return;
  }
  rs.add("nat", "KUBE-SERVICES", vip, svc, `${spn} cluster IP`);
  rs.add("nat", svc, `! -s ${cluster.podCIDR} ${vip}`, "KUBE-MARK-MASQ", `${spn} cluster IP`);
  endpointLadder(rs, svc, spn, proto, eps, s.affinity);
  if (p.nodePort === undefined) return;
  rs.add("nat", "KUBE-NODEPORTS", `-p ${proto} -m ${proto} --dport ${p.nodePort}`, ext, spn);
  if (!s.externalLocal) {
    rs.add("nat", ext, "", "KUBE-MARK-MASQ", `masquerade traffic for ${spn} external destinations`);
    rs.add("nat", ext, "", svc, "");
    return;
  }
  // externalTrafficPolicy Local: outside clients keep their address, and reach this node's endpoints only.
  const svl = chainFor("KUBE-SVL-", spn + proto);
  const local = p.endpoints.filter((e) => e.node === node);
  rs.add("nat", ext, `-s ${cluster.podCIDR}`, svc, `pod traffic for ${spn} external destinations`);
  rs.add("nat", ext, "-m addrtype --src-type LOCAL", "KUBE-MARK-MASQ", `masquerade LOCAL traffic for ${spn} external destinations`);
  rs.add("nat", ext, "-m addrtype --src-type LOCAL", svc, `route LOCAL traffic for ${spn} external destinations`);
  if (local.length) {
    rs.add("nat", ext, "", svl, "");
    endpointLadder(rs, svl, spn, proto, local, s.affinity);
  } else rs.add("filter", "KUBE-EXTERNAL-SERVICES", nodePort!, "DROP", `${spn} has no local endpoints`);
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
