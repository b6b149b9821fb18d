// kubectl's verbs, worked out without a kernel (kube/changes.ts, kube/overlay.ts): what apply -f,
// delete and scale make of a cluster's objects, kubectl's lines, and the lab the overlay gives —
// Services keeping their ClusterIPs, LoadBalancers their addresses, pods their places.
import { describe, expect, it } from "vitest";
import { applyObjects, deleteObjects, keyOf, scaleDeployment } from "../../src/kube/changes.js";
import { objectKey, resourceOf } from "../../src/kube/overlay.js";
import { labFromText } from "../../src/lab/load.js";
import { getTable } from "../../src/kube/get.js";
import type { Lab } from "../../src/lab/model.js";

const LAB = `name: kc
kubernetes:
  nodes: [node1, node2]
  loadBalancerCIDR: 192.168.56.240/28
  manifests:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: { name: web }
      spec:
        replicas: 2
        selector: { matchLabels: { app: web } }
        template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: a }, spec: { selector: { app: web }, ports: [{ port: 80 }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: b }, spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80 }] } }
`;
const up = labFromText(LAB, "kc.yaml");
const again = (overlay: NonNullable<Lab["kube"]>["overlay"], previous: Lab = up) => labFromText(LAB, "kc.yaml", { kube: overlay, previous });
const svc = (l: Lab, name: string) => l.kube!.services.find((s) => s.name === name)!;
const API = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "shop" }, spec: { replicas: 1, selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", ports: [{ containerPort: 8080 }] }] } } } };
const NS = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } };

describe("kubectl's verbs, as objects", () => {
  it("names objects as the API server and kubectl do", () => {
    expect(objectKey(API)).toBe("Deployment/shop/api");
    expect(objectKey(NS)).toBe("Namespace//shop");
    expect([resourceOf("Deployment"), resourceOf("Service", "v1"), resourceOf("NetworkPolicy")]).toEqual(["deployment.apps", "service", "networkpolicy.networking.k8s.io"]);
    expect([keyOf("deploy", "web", "default"), keyOf("svc/a", undefined, "x"), keyOf("ns", "shop", "default")]).toEqual(["Deployment/default/web", "Service/x/a", "Namespace//shop"]);
    expect(() => keyOf("gizmo", "x", "default")).toThrow(/does not know the kind "gizmo"/);
  });

  it("apply -f: created, unchanged, configured — and the lab the overlay gives has the new pods", () => {
    const c = applyObjects(up.kube!, [{ data: NS, file: "/x.yaml", doc: 0 }, { data: API, file: "/x.yaml", doc: 1 }]);
    expect(c.lines).toEqual(["namespace/shop created", "deployment.apps/api created"]);
    const l = again(c.overlay);
    expect(l.nodes.map((n) => n.name)).toContain("shop/api-0");
    expect(applyObjects(l.kube!, [{ data: API, file: "/x.yaml", doc: 1 }]).lines).toEqual(["deployment.apps/api unchanged"]);
    const more = { ...API, spec: { ...API.spec, replicas: 3 } };
    expect(applyObjects(l.kube!, [{ data: more, file: "/x.yaml", doc: 1 }]).lines).toEqual(["deployment.apps/api configured"]);
  });

  it("scale and delete: replicas set, objects gone (a Namespace with what is in it), NotFound said; Services keep their ClusterIPs, LoadBalancers their addresses", () => {
    expect([svc(up, "a").clusterIP, svc(up, "b").clusterIP, svc(up, "b").loadBalancer]).toEqual(["10.96.0.11", "10.96.0.12", "192.168.56.241"]);
    const s = scaleDeployment(up.kube!, "Deployment/default/web", 4);
    expect(s.lines).toEqual(["deployment.apps/web scaled"]);
    const scaled = again(s.overlay);
    expect(scaled.kube!.pods.filter((p) => p.ns === "default").map((p) => `${p.name}@${p.on}`)).toEqual(["web-0@node1", "web-1@node2", "web-2@node1", "web-3@node2"]);
    expect(scaleDeployment(up.kube!, "Deployment/default/nope", 1).missing).toEqual(['Error from server (NotFound): deployments.apps "nope" not found']);
    // Service a deleted: b keeps 10.96.0.12 and 192.168.56.241 (the API server never renumbers one).
    const d = deleteObjects(scaled.kube!, ["Service/default/a"]);
    expect(d.lines).toEqual(['service "a" deleted']);
    const after = again(d.overlay, scaled);
    expect([svc(after, "b").clusterIP, svc(after, "b").loadBalancer]).toEqual(["10.96.0.12", "192.168.56.241"]);
    expect(deleteObjects(after.kube!, ["Service/default/a"]).missing).toEqual(['Error from server (NotFound): services "a" not found']);
    const withShop = again(applyObjects(up.kube!, [{ data: NS, file: "/x.yaml", doc: 0 }, { data: API, file: "/x.yaml", doc: 1 }]).overlay);
    const gone = deleteObjects(withShop.kube!, ["Namespace//shop", "Deployment/shop/api"]);
    expect(gone.lines).toEqual(['namespace "shop" deleted', 'deployment.apps "api" deleted']);
    expect(again(gone.overlay, withShop).nodes.map((n) => n.name)).not.toContain("shop/api-0");
  });

  it("a pod scaled away takes no address another pod had while the lab was up", () => {
    const down = again(scaleDeployment(up.kube!, "Deployment/default/web", 1).overlay);
    const back = again(scaleDeployment(down.kube!, "Deployment/default/web", 2).overlay, down);
    const ip = (l: Lab, n: string) => l.nodes.find((x) => x.name === n)!.intfs[0].addrs[0];
    expect(ip(up, "web-1")).toBe("10.244.2.2/24");
    expect(ip(back, "web-1")).toBe("10.244.2.3/24"); // not web-1's old 10.244.2.2: ARP caches may still hold it
  });

  it("LoadBalancer: kube-proxy takes its address like the node port; the lab's host routes the pool to the first node", () => {
    expect(up.host.routes).toContain("192.168.56.241/32 via 192.168.56.11"); // each address given out, not the pool
    const bad = () => labFromText(LAB.replace("192.168.56.240/28", "10.96.0.0/24"), "kc.yaml");
    expect(bad).toThrow(/loadBalancerCIDR 10\.96\.0\.0\/24 overlaps serviceCIDR 10\.96\.0\.0\/16/);
    const none = labFromText(LAB.replace("  loadBalancerCIDR: 192.168.56.240/28\n", ""), "kc.yaml");
    expect(svc(none, "b").loadBalancer).toBeUndefined(); // <pending>, as in a cluster without a load balancer
  });

  it("a pod that is up never moves, a Service that is up keeps what it has: a new one asking for it is refused", () => {
    const pod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "x", command: ["sleep", "1"] }] } });
    const three = again(applyObjects(up.kube!, ["p1", "p2", "p3"].map((n, i) => ({ data: pod(n), file: "/p.yaml", doc: i }))).overlay);
    const on = (l: Lab) => Object.fromEntries(l.kube!.pods.filter((p) => /^p\d/.test(p.name)).map((p) => [p.name, p.on]));
    const before = on(three);
    const after = again(deleteObjects(three.kube!, ["Pod/default/p1"]).overlay, three);
    expect(on(after)).toEqual({ p2: before.p2, p3: before.p3 });
    const thief = { apiVersion: "v1", kind: "Service", metadata: { name: "thief" }, spec: { clusterIP: "10.96.0.12", ports: [{ port: 80 }] } };
    expect(() => again(applyObjects(up.kube!, [{ data: thief, file: "/t.yaml", doc: 0 }]).overlay)).toThrow(/clusterIP 10\.96\.0\.12 is already allocated \(to service default\/b\)/);
    const lb = { apiVersion: "v1", kind: "Service", metadata: { name: "lb2" }, spec: { type: "LoadBalancer", loadBalancerIP: "192.168.56.241", ports: [{ port: 80 }] } };
    expect(() => again(applyObjects(up.kube!, [{ data: lb, file: "/t.yaml", doc: 0 }]).overlay)).toThrow(/loadBalancerIP 192\.168\.56\.241 is already assigned \(to service default\/b\)/);
  });

  it("a LoadBalancer pool inside the underlay skips the lab's own addresses there", () => {
    const l = labFromText(LAB.replace("192.168.56.240/28", "192.168.56.0/28"), "kc.yaml");
    expect(svc(l, "b").loadBalancer).toBe("192.168.56.2"); // not .1 (the lab's host)
    const taken = LAB.replace("192.168.56.240/28", "192.168.56.0/28").replace("type: LoadBalancer,", "type: LoadBalancer, loadBalancerIP: 192.168.56.11,");
    expect(() => labFromText(taken, "kc.yaml")).toThrow(/loadBalancerIP 192\.168\.56\.11 is already assigned \(to a node of the lab\)/);
  });

  it("says what kubectl says: a second copy in one call configured, NotFound in kubectl's plural, Forbidden for what the cluster needs", () => {
    const svc2 = (port: number) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "dup" }, spec: { ports: [{ port }] } });
    expect(applyObjects(up.kube!, [{ data: svc2(80), file: "/d.yaml", doc: 0 }, { data: svc2(81), file: "/d.yaml", doc: 1 }]).lines).toEqual(["service/dup created", "service/dup configured"]);
    const ing = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web" }, spec: {} };
    expect(applyObjects(up.kube!, [{ data: ing, file: "/n.yaml", doc: 0 }]).lines).toEqual(["ingress.networking.k8s.io/web created (kept, not built: netlab does not build Ingress objects yet)"]);
    expect(deleteObjects(up.kube!, ["NetworkPolicy/default/x", "Service/default/a", "Service/default/a"]).missing).toEqual(['Error from server (NotFound): networkpolicies.networking.k8s.io "x" not found', 'Error from server (NotFound): services "a" not found']);
    expect(deleteObjects(up.kube!, ["Namespace//default", "Service/kube-system/kube-dns"]).missing).toEqual(['Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted', `Error from server (Forbidden): services "kube-dns" is forbidden: netlab's cluster DNS answers behind it`]);
    expect(keyOf("pod", "team/api-0", "default")).toBe("Pod/team/api-0");
    expect(keyOf("deploy/shop/web", undefined, "default")).toBe("Deployment/shop/web"); // NS/NAME, as netlab names pods
    expect(() => keyOf("deploy/a/b/c", undefined, "default")).toThrow(/is not a name/);
  });

  it("a Deployment's selector is immutable: a change of it is refused, as the API server refuses it", () => {
    const moved = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 2, selector: { matchLabels: { app: "web2" } }, template: { metadata: { labels: { app: "web2" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } } };
    const r = applyObjects(up.kube!, [{ data: moved, file: "/w.yaml", doc: 0 }]);
    expect([r.lines, r.missing, r.changed]).toEqual([[], ['The Deployment "web" is invalid: spec.selector: Invalid value: {"app":"web2"}: field is immutable'], false]);
  });

  it("a Deployment scaled to 0 is still listed (0/0), as kubectl lists it", () => {
    const zero = again(scaleDeployment(up.kube!, "Deployment/default/web", 0).overlay);
    expect(getTable(zero.kube!, "deployments", { ns: "default", wide: false }, { running: new Set(), age: "1m" }, new Map()).rows).toEqual([["web", "0/0", "0", "0", "1m"]]);
  });

  it("refuses what the API server refuses in a Service: a nodePort on a ClusterIP Service, a loopback externalIP", () => {
    const bad = (spec: string) => () => labFromText(LAB + `    - { apiVersion: v1, kind: Service, metadata: { name: z }, spec: ${spec} }\n`, "kc.yaml");
    expect(bad("{ ports: [{ port: 80, nodePort: 30005 }] }")).toThrow(/nodePort may not be used when type is 'ClusterIP'/);
    expect(bad("{ externalIPs: [127.0.0.1], ports: [{ port: 80 }] }")).toThrow(/may not be an unspecified, loopback, link-local or multicast address/);
  });
});

