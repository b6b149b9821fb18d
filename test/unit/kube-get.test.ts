// `netlab get`: kubectl's columns for pods, services, endpoints and nodes (kube/get.ts).
import { describe, expect, it } from "vitest";
import { labFromText } from "../../src/lab/load.js";
import { ageOf, getTable, kindOf } from "../../src/kube/get.js";
import { asObjects } from "../../src/kube/as-objects.js";

const lab = labFromText(`name: g
kubernetes:
  nodes: [node1, node2]
  manifests:
    - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }
    - apiVersion: apps/v1
      kind: Deployment
      metadata: { name: web }
      spec:
        replicas: 4
        selector: { matchLabels: { app: web } }
        template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: web }, spec: { type: NodePort, selector: { app: web }, ports: [{ port: 80, nodePort: 30080 }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: db, namespace: shop }, spec: { containers: [{ name: db, image: pg, command: [sleep, "1000"] }] } }
`, "g.yaml");
const ips = new Map(lab.nodes.map((n) => [n.name, n.intfs[0]?.addrs[0]?.split("/")[0] ?? "<none>"]));
const live = { running: new Set(["web-0", "web-1", "web-2"]), age: "5m" };

describe("netlab get", () => {
  it("knows kubectl's kinds and short names, and its ages", () => {
    expect(["po", "svc", "ep", "no", "Pods", "x"].map(kindOf)).toEqual(["pods", "services", "endpoints", "nodes", "pods", null]);
    expect([30_000, 600_000, 4 * 3600_000, 3 * 86400_000].map(ageOf)).toEqual(["30s", "10m", "4h", "3d"]);
  });

  it("pods: READY and STATUS live (web-3's server is not running), IP and NODE with -o wide", () => {
    const t = getTable(lab.kube!, "pods", { ns: "default", wide: true }, live, ips);
    expect(t.head).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]);
    expect(t.rows).toEqual([
      ["web-0", "1/1", "Running", "0", "5m", "10.244.1.3", "node1"],
      ["web-1", "1/1", "Running", "0", "5m", "10.244.2.2", "node2"],
      ["web-2", "1/1", "Running", "0", "5m", "10.244.1.4", "node1"],
      ["web-3", "0/1", "Error", "0", "5m", "10.244.2.3", "node2"],
    ]);
    expect(getTable(lab.kube!, "pods", { ns: null, wide: false }, live, ips).rows.at(-1)).toEqual(["shop", "db", "1/1", "Running", "0", "5m"]);
  });

  it("-o json: the objects as the API server gives them to kubectl (a List; .status.podIP, .spec.clusterIP, .subsets)", () => {
    const pods = asObjects(lab.kube!, "pods", { ns: "default", wide: false }, live, ips) as { kind: string; items: { metadata: { name: string }; status: { podIP: string; phase: string; hostIP: string } }[] };
    expect(pods.kind).toBe("List");
    expect(pods.items.map((p) => [p.metadata.name, p.status.podIP, p.status.phase, p.status.hostIP])[0]).toEqual(["web-0", "10.244.1.3", "Running", "192.168.56.11"]);
    const svc = asObjects(lab.kube!, "services", { ns: "default", wide: false }, live, ips) as { items: { metadata: { name: string }; spec: { clusterIP: string; ports: { nodePort?: number }[] } }[] };
    expect(svc.items.map((s) => [s.metadata.name, s.spec.clusterIP, s.spec.ports[0].nodePort])).toEqual([["kubernetes", "10.96.0.1", undefined], ["web", "10.96.0.11", 30080]]);
    const ep = asObjects(lab.kube!, "endpoints", { ns: "default", wide: false }, live, ips) as { items: { subsets: { addresses: { ip: string }[] }[] }[] };
    expect(ep.items[1].subsets[0].addresses.map((a) => a.ip)).toEqual(["10.244.1.3", "10.244.1.4", "10.244.2.2"]); // web-3 is not running
  });

  it("deployments (READY counted live) and namespaces", () => {
    expect(getTable(lab.kube!, "deployments", { ns: null, wide: false }, { ...live, running: new Set([...live.running, "kube-system/coredns-0"]) }, ips).rows).toEqual([["default", "web", "3/4", "4", "3", "5m"], ["kube-system", "coredns", "1/1", "1", "1", "5m"]]);
    expect(getTable(lab.kube!, "namespaces", { ns: null, wide: false }, live, ips).rows.map((r) => r[0])).toEqual(["default", "kube-system", "shop"]);
  });

  it("services, endpoints (kubectl's '+ N more...') and nodes", () => {
    expect(getTable(lab.kube!, "services", { ns: "default", wide: false }, live, ips).rows).toEqual([["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "5m"], ["web", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "5m"]]); // every cluster's API server Service first, by name
    expect(getTable(lab.kube!, "endpoints", { ns: "default", wide: false }, { ...live, running: new Set(["web-0", "web-1", "web-2", "web-3"]) }, ips).rows).toEqual([["kubernetes", "<none>", "5m"], ["web", "10.244.1.3:80,10.244.1.4:80,10.244.2.2:80 + 1 more...", "5m"]]);
    expect(getTable(lab.kube!, "nodes", { ns: "default", wide: true }, live, ips).rows).toEqual([["node1", "Ready", "<none>", "5m", "netlab", "192.168.56.11"], ["node2", "Ready", "<none>", "5m", "netlab", "192.168.56.12"]]);
  });
});
