// Cluster DNS (kube/dns.ts, dns/cluster-view.ts): the kube-dns Service and its pod, the
// kubelet's resolv.conf, and the records the Kubernetes DNS specification asks for, answered
// through answer() as the server in the pod answers them — no sockets, no root.
import dnsPacket from "dns-packet";
import { describe, expect, it } from "vitest";
import { answer } from "../../src/dns/answer.js";
import { ClusterView } from "../../src/dns/cluster-view.js";
import { dnsHolders, dnsServers } from "../../src/dns/servers.js";
import { labFromText } from "../../src/lab/load.js";
import { resolvConf } from "../../src/plan/name-files.js";

const lab = labFromText(`name: d
records:
  - { name: db.example.com, type: A, data: 203.0.113.5 }
kubernetes:
  nodes: [node1, node2]
  manifests:
    - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }
    - apiVersion: apps/v1
      kind: Deployment
      metadata: { name: web }
      spec:
        replicas: 3
        selector: { matchLabels: { app: web } }
        template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx, ports: [{ name: http, containerPort: 80 }] }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: web }, spec: { selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: web-headless }, spec: { clusterIP: None, selector: { app: web }, ports: [{ name: http, port: 80 }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: db, namespace: shop }, spec: { type: ExternalName, externalName: db.example.com } }
    - { apiVersion: v1, kind: Service, metadata: { name: pg, namespace: shop }, spec: { clusterIP: None, selector: { app: db }, ports: [{ port: 5432 }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: db-0, namespace: shop, labels: { app: db } }, spec: { hostname: db-0, subdomain: pg, containers: [{ name: db, image: pg, ports: [{ containerPort: 5432 }] }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: own }, spec: { dnsPolicy: None, dnsConfig: { nameservers: [10.0.0.53], searches: [corp.example], options: [{ name: ndots, value: "2" }] }, hostAliases: [{ ip: 10.1.2.3, hostnames: [legacy.example] }], containers: [{ name: c, image: x, command: [sleep, "9"] }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: client, namespace: shop }, spec: { containers: [{ name: c, image: busybox, command: [sleep, infinity] }] } }
`, "d.yaml");
const view = new ClusterView(lab);
const ipOf = (node: string) => lab.nodes.find((n) => n.name === node)!.intfs[0].addrs[0].split("/")[0];
const ask = async (name: string, type: dnsPacket.RecordType = "A", from = ipOf("shop/client")) => {
  const lines: string[] = [];
  const raw = await answer(view, from, dnsPacket.encode({ type: "query", id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] }), { transport: "udp", log: { line: (t) => lines.push(t), outside: (t) => lines.push(t) } });
  const p = dnsPacket.decode(raw!);
  return { rcode: p.rcode, data: (p.answers ?? []).map((a) => `${a.type} ${typeof a.data === "object" && a.data && "target" in a.data ? `${a.data.priority} ${a.data.weight} ${a.data.port} ${a.data.target}` : a.data}`), lines };
};

describe("cluster DNS", () => {
  it("is kubeadm's: Service kube-system/kube-dns at serviceCIDR .10, its pod first on node 1, a server listening there", () => {
    const dns = lab.kube!.services.find((s) => s.name === "kube-dns")!;
    expect([dns.ns, dns.clusterIP, dns.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`)]).toEqual(["kube-system", "10.96.0.10", ["dns 53/UDP", "dns-tcp 53/TCP"]]);
    expect(dns.ports[0].endpoints.map((e) => `${e.pod} ${e.ip}:${e.port}`)).toEqual(["kube-system/coredns-0 10.244.1.2:53"]);
    expect(dnsHolders(lab)).toEqual(["kube-system/coredns-0"]);
    expect(dnsServers(lab, "kube-system/coredns-0")).toEqual(["10.244.1.2"]);
    // The server is the only thing the pod runs.
    expect(lab.nodes.find((n) => n.name === "kube-system/coredns-0")!.run).toEqual([]);
  });

  it("gives every pod the kubelet's resolv.conf: the cluster DNS, its namespace's search path, ndots:5", () => {
    const conf = resolvConf(lab, lab.nodes.find((n) => n.name === "shop/client")!);
    expect(conf.split("\n").slice(1, 4)).toEqual(["nameserver 10.96.0.10", "search shop.svc.cluster.local svc.cluster.local cluster.local", "options ndots:5"]);
  });

  it("takes a pod's dnsPolicy None with its dnsConfig, and its hostAliases, as the kubelet writes them", () => {
    const own = lab.nodes.find((n) => n.name === "own")!;
    expect(resolvConf(lab, own).split("\n").slice(1, 4)).toEqual(["nameserver 10.0.0.53", "search corp.example", "options ndots:2"]);
    expect(own.extraHosts).toContainEqual(["10.1.2.3", "legacy.example"]);
  });

  it("answers Services, headless endpoints, SRV for named ports, ExternalName, pods and PTR", async () => {
    expect((await ask("web.default.svc.cluster.local")).data).toEqual(["A 10.96.0.11"]);
    expect((await ask("kubernetes.default.svc.cluster.local")).data).toEqual(["A 10.96.0.1"]); // the DNS-debugging guide's first lookup
    expect((await ask("web-headless.default.svc.cluster.local")).data.sort()).toEqual(["A 10.244.1.3", "A 10.244.1.4", "A 10.244.2.2"]);
    expect((await ask("web-1.web-headless.default.svc.cluster.local")).rcode).toBe("NXDOMAIN"); // a Deployment's pod has no hostname there
    expect((await ask("db-0.pg.shop.svc.cluster.local")).data).toEqual([`A ${ipOf("shop/db-0")}`]); // spec.hostname + spec.subdomain: a StatefulSet's pod
    expect((await ask("10-244-2-2.web-headless.default.svc.cluster.local")).data).toEqual(["A 10.244.2.2"]);
    expect((await ask("_http._tcp.web.default.svc.cluster.local", "SRV")).data).toEqual(["SRV 0 100 80 web.default.svc.cluster.local"]);
    expect((await ask("_http._tcp.web-headless.default.svc.cluster.local", "SRV")).data).toEqual(["SRV 0 33 80 10-244-1-3.web-headless.default.svc.cluster.local", "SRV 0 33 80 10-244-1-4.web-headless.default.svc.cluster.local", "SRV 0 33 80 10-244-2-2.web-headless.default.svc.cluster.local"]);
    // ExternalName: a CNAME, followed where the view goes (the lab's own records: the "internet" of the lab).
    expect((await ask("db.shop.svc.cluster.local")).data).toEqual(["CNAME db.example.com", "A 203.0.113.5"]);
    expect((await ask("10-244-2-2.default.pod.cluster.local")).data).toEqual(["A 10.244.2.2"]);
    expect((await ask("11.0.96.10.in-addr.arpa", "PTR")).data).toEqual(["PTR web.default.svc.cluster.local"]);
    expect((await ask("2.2.244.10.in-addr.arpa", "PTR")).data).toEqual(["PTR 10-244-2-2.web-headless.default.svc.cluster.local"]);
  });

  it("rotates a headless Service's addresses, as kubeadm's Corefile (loadbalance) does", async () => {
    const first = [(await ask("web-headless.default.svc.cluster.local")).data[0], (await ask("web-headless.default.svc.cluster.local")).data[0], (await ask("web-headless.default.svc.cluster.local")).data[0]];
    expect(new Set(first).size).toBe(3);
  });

  it("says NXDOMAIN for a name outside the cluster (asked upstream by nobody: nothing leaves the lab), and logs who asked", async () => {
    const r = await ask("example.com.shop.svc.cluster.local");
    expect(r.rcode).toBe("NXDOMAIN");
    expect(r.lines).toEqual(["shop/client A example.com.shop.svc.cluster.local -> NXDOMAIN"]);
    // A node asks too (its query masqueraded to its address); a stranger is refused.
    expect((await ask("web.default.svc.cluster.local", "A", "192.168.56.12")).data).toEqual(["A 10.96.0.11"]);
    expect((await ask("web.default.svc.cluster.local", "A", "10.9.9.9")).rcode).toBe("REFUSED");
  });
});
