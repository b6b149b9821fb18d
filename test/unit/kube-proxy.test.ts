// kube-proxy's iptables mode in a cluster node (plan/features/kube-proxy.ts): chain names hashed
// as kube-proxy hashes them (the examples of proxier_test.go), the statistic ladder, hairpin
// masquerade, REJECT without endpoints, ClientIP affinity with `recent`, NodePorts; and the
// Services' ClusterIPs and node ports allocated, or refused where given wrong.
import { describe, expect, it } from "vitest";
import { LabError } from "../../src/errors.js";
import { labFromText } from "../../src/lab/load.js";
import { chainFor } from "../../src/plan/features/kube-proxy.js";
import { clusterNodeRules } from "../../src/plan/features/kube.js";

const DEPLOY = `    - apiVersion: apps/v1
      kind: Deployment
      metadata: { name: web }
      spec:
        replicas: 3
        selector: { matchLabels: { app: web } }
        template:
          metadata: { labels: { app: web } }
          spec: { containers: [{ name: web, image: nginx, ports: [{ name: http, containerPort: 8080 }] }] }
`;
const svc = (spec: string, name = "web") => `    - { apiVersion: v1, kind: Service, metadata: { name: ${name} }, spec: ${spec} }\n`;
const cluster = (manifests: string) => labFromText(`name: kp\nkubernetes:\n  nodes: [node1, node2]\n  manifests:\n${manifests}`, "kp.yaml");
const nat = (manifests: string, node = "node1") => {
  const l = cluster(manifests);
  const ops = clusterNodeRules(l, l.nodes.find((n) => n.name === node)!);
  return ops.map((o) => (o.op === "iptables" ? o.text : "")).join("\n");
};

describe("kube-proxy, iptables mode", () => {
  it("names chains as kube-proxy does: base32(sha256) of the port name and protocol, and of the endpoint", () => {
    expect(chainFor("KUBE-SVC-", "ns1/svc1:p80tcp")).toBe("KUBE-SVC-XPGD46QRK7WJZT7O");
    expect(chainFor("KUBE-EXT-", "ns3/svc3:p80tcp")).toBe("KUBE-EXT-X27LE4BHSL4DOUIK");
    expect(chainFor("KUBE-SEP-", "ns5/svc5:p80tcp10.180.0.3:80")).toBe("KUBE-SEP-I77PXRDZVX7PMWMN");
  });

  it("a ClusterIP with three endpoints: masquerade off-cluster clients, the statistic ladder, hairpin, DNAT to the named targetPort", () => {
    const t = nat(DEPLOY + svc("{ selector: { app: web }, ports: [{ port: 80, targetPort: http }] }"));
    const c = chainFor("KUBE-SVC-", "default/webtcp");
    expect(t).toContain(`-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web cluster IP" -j ${c}`);
    expect(t).toContain(`-A ${c} ! -s 10.244.0.0/16 -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web cluster IP" -j KUBE-MARK-MASQ`);
    const ladder = t.split("\n").filter((l) => l.startsWith(`-A ${c} `) && l.includes("->"));
    expect(ladder.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? "last")).toEqual(["0.3333333333", "0.5000000000", "last"]);
    expect(ladder.map((l) => /-> (\S+)"/.exec(l)![1])).toEqual(["10.244.1.3:8080", "10.244.1.4:8080", "10.244.2.2:8080"]);
    const sep = chainFor("KUBE-SEP-", "default/webtcp10.244.2.2:8080");
    expect(t).toContain(`-A ${sep} -s 10.244.2.2/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ`);
    expect(t).toContain(`-A ${sep} -p tcp -m tcp -m comment --comment "default/web" -j DNAT --to-destination 10.244.2.2:8080`);
    expect(t).toMatch(/-A KUBE-SERVICES -m addrtype --dst-type LOCAL .*-j KUBE-NODEPORTS\n(?!-A KUBE-SERVICES)/);
    expect(t).toContain("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");
  });

  it("rejects a Service without endpoints in filter, and writes it no nat chain", () => {
    const t = nat(DEPLOY + svc("{ selector: { app: nobody }, ports: [{ port: 80 }] }"));
    expect(t).toContain('-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web has no endpoints" -j REJECT --reject-with icmp-port-unreachable');
    expect(t.split("\n").filter((l) => l.startsWith(":KUBE-SVC-"))).toEqual([":KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]", ":KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]"]); // kube-dns's only: kube-proxy's hashes of kube-system/kube-dns:dns and :dns-tcp, as every cluster has them
  });

  it("pins a client with recent (sessionAffinity: ClientIP), checked before the ladder, set in the endpoint's chain", () => {
    const t = nat(DEPLOY + svc("{ selector: { app: web }, sessionAffinity: ClientIP, sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80, targetPort: 8080 }] }"));
    const lines = t.split("\n").filter((l) => l.startsWith(`-A ${chainFor("KUBE-SVC-", "default/webtcp")} `));
    expect(lines.slice(1, 4).every((l) => /-m recent --name KUBE-SEP-\S+ --mask 255\.255\.255\.255 --rsource --rcheck --seconds 60 --reap/.test(l))).toBe(true);
    expect(lines[4]).toContain("--probability 0.3333333333");
    expect(t).toMatch(/-A KUBE-SEP-\S+ -m recent --name KUBE-SEP-\S+ --mask 255\.255\.255\.255 --rsource --set -p tcp -m tcp .*DNAT --to-destination 10\.244\.1\.3:8080/);
  });

  it("opens a NodePort on every node through KUBE-NODEPORTS and KUBE-EXT, masqueraded; Local keeps the client's address", () => {
    const t = nat(DEPLOY + svc("{ type: NodePort, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }"), "node2");
    const ext = chainFor("KUBE-EXT-", "default/webtcp");
    expect(t).toContain(`-A KUBE-NODEPORTS -p tcp -m tcp --dport 30000 -m comment --comment "default/web" -j ${ext}`);
    expect(t).toContain(`-A ${ext} -m comment --comment "masquerade traffic for default/web external destinations" -j KUBE-MARK-MASQ`);
    const local = nat(DEPLOY + svc("{ type: NodePort, externalTrafficPolicy: Local, selector: { app: web }, ports: [{ port: 80, targetPort: 8080, nodePort: 31000 }] }"), "node2");
    const svl = chainFor("KUBE-SVL-", "default/webtcp");
    expect(local.split("\n").filter((l) => l.startsWith(`-A ${svl} `))).toEqual([expect.stringMatching(/-> 10\.244\.2\.2:8080/)]); // node2's own pod only
    expect(local).not.toContain(`-A ${ext} -m comment --comment "masquerade traffic`);
  });

  it("internalTrafficPolicy Local: the ClusterIP to this node's endpoints (KUBE-SVL), dropped where it has none; its NodePort still reaches them all", () => {
    const m = DEPLOY + svc("{ type: NodePort, internalTrafficPolicy: Local, selector: { app: web }, ports: [{ port: 80, targetPort: 8080, nodePort: 30001 }] }");
    const [svcC, svl, ext] = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-"].map((c) => chainFor(c, "default/webtcp"));
    const n2 = nat(m, "node2");
    expect(n2).toContain(`-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web cluster IP" -j ${svl}`);
    expect(n2.split("\n").filter((l) => l.startsWith(`-A ${svl} `) && l.includes("->"))).toEqual([expect.stringMatching(/-> 10\.244\.2\.2:8080/)]);
    expect(n2.split("\n").filter((l) => l.startsWith(`-A ${svcC} `) && l.includes("->"))).toHaveLength(3); // the NodePort's
    expect(n2).toContain(`-A ${ext} -j ${svcC}`);
    const m2 = DEPLOY.replace("replicas: 3", "replicas: 1") + svc("{ internalTrafficPolicy: Local, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }");
    expect(nat(m2, "node2")).toContain('-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web has no local endpoints" -j DROP');
  });

  it("takes a Service's externalIPs like a LoadBalancer's address, through KUBE-EXT-… (masqueraded under Cluster)", () => {
    const t = nat(DEPLOY + svc("{ selector: { app: web }, externalIPs: [198.51.100.7], ports: [{ port: 80, targetPort: 8080 }] }"));
    const ext = chainFor("KUBE-EXT-", "default/webtcp");
    expect(t).toContain(`-A KUBE-SERVICES -d 198.51.100.7/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web external IP" -j ${ext}`);
    expect(t).toContain(`-A ${ext} -m comment --comment "masquerade traffic for default/web external destinations" -j KUBE-MARK-MASQ`);
  });

  it("allocates ClusterIPs from .11 and node ports from 30000, and refuses given ones outside their range or taken twice", () => {
    const l = cluster(svc("{ clusterIP: 10.96.0.11, ports: [{ port: 80 }] }", "a") + svc("{ type: NodePort, ports: [{ port: 80 }] }", "b"));
    expect(l.kube!.services.map((s) => [s.name, s.clusterIP, s.ports[0].nodePort])).toEqual([["kubernetes", "10.96.0.1", undefined], ["kube-dns", "10.96.0.10", undefined], ["a", "10.96.0.11", undefined], ["b", "10.96.0.12", 30000]]);
    const bad = (m: string) => {
      try {
        cluster(m);
      } catch (e) {
        return (e as LabError).problems.map((p) => `${p.key.join(".")}: ${p.message}`);
      }
      return [];
    };
    expect(bad(svc("{ clusterIP: 10.0.0.5, ports: [{ port: 80 }] }"))).toEqual(["kubernetes.manifests.0.spec.clusterIP: clusterIP 10.0.0.5 is not in serviceCIDR 10.96.0.0/16"]);
    expect(bad(svc("{ type: NodePort, ports: [{ port: 80, nodePort: 30001 }] }", "a") + svc("{ type: NodePort, ports: [{ port: 80, nodePort: 30001 }] }", "b"))).toEqual(["kubernetes.manifests.1.spec.ports.0.nodePort: nodePort 30001 is already allocated (to service default/a)"]);
    expect(bad(svc("{ ports: [{ port: 80, protocol: 1 }] }"))).toEqual(["kubernetes.manifests.0.spec.ports.0.protocol: protocol must be TCP, UDP or SCTP, not 1"]);
    expect(bad(svc("{ sessionAffinity: ClientIP, sessionAffinityConfig: { clientIP: { timeoutSeconds: abc } }, ports: [{ port: 80 }] }"))).toEqual(['kubernetes.manifests.0.spec.sessionAffinityConfig.clientIP.timeoutSeconds: timeoutSeconds must be a whole number of seconds from 1 to 86400, not "abc"']);
    expect(bad(svc("{ type: NodePort, ports: [{ port: 80, nodePort: 30000.5 }] }"))).toEqual(["kubernetes.manifests.0.spec.ports.0.nodePort: nodePort 30000.5 is outside 30000-32767"]);
    const tiny = (m: string) => { try { labFromText(`name: kp\nkubernetes:\n  nodes: [node1]\n  serviceCIDR: 10.96.0.0/28\n  manifests:\n${m}`, "kp.yaml"); return []; } catch (e) { return (e as LabError).problems.map((p) => p.message); } };
    expect(tiny(svc("{ ports: [{ port: 80 }] }", "a") + svc("{ ports: [{ port: 80 }] }", "b") + svc("{ ports: [{ port: 80 }] }", "c") + svc("{ ports: [{ port: 80 }] }", "d") + svc("{ ports: [{ port: 80 }] }", "e"))).toEqual(["serviceCIDR 10.96.0.0/28 has no ClusterIP left for service default/e"]);
    expect(bad(svc("{ ports: [{ port: 80 }, { port: 81 }] }"))).toEqual(["kubernetes.manifests.0.spec.ports.0.name: a Service with several ports must name each", "kubernetes.manifests.0.spec.ports.1.name: a Service with several ports must name each"]);
  });
});
