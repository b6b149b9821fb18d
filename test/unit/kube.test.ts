// kubernetes: lowered into virtual hosts, cni0 networks and pods (kube/lower.ts): placement,
// addresses, host-gw routes, flannel's masquerade, and problems located in the manifests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { LabError } from "../../src/errors.js";
import { labFromText, loadLabFile, sourceOf } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { renderPlan } from "../../src/runtime/ops/index.js";

const DEPLOY = (replicas = 3, extra = "") => `    - apiVersion: apps/v1
      kind: Deployment
      metadata: { name: web }
      spec:
        replicas: ${replicas}
        selector: { matchLabels: { app: web } }
        template:
          metadata: { labels: { app: web } }
          spec:${extra}
            containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }]
`;
const lab = (manifests: string, more = "") => `name: k8s\nkubernetes:\n  nodes: [node1, node2]\n${more}  manifests:\n${manifests}`;
const problems = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof LabError) return e.problems.map((p) => `${p.loc ? `${basename(p.loc.file)}:${p.loc.line}:${p.loc.column} ` : ""}${p.key.join(".")}: ${p.message}`);
    throw e;
  }
  return [];
};

describe("kubernetes: a cluster's pods on its nodes", () => {
  it("places a Deployment's replicas round-robin, each on its node's cni0 with the node's /24", () => {
    const l = labFromText(lab(DEPLOY()), "k8s.yaml");
    const at = (n: string) => l.nodes.find((x) => x.name === n)!;
    expect(["web-0", "web-1", "web-2"].map((n) => [at(n).host, at(n).intfs[0].addrs[0]])).toEqual([["node1", "10.244.1.3/24"], ["node2", "10.244.2.2/24"], ["node1", "10.244.1.4/24"]]);
    expect(at("node1").routes).toContain("10.244.2.0/24 via 192.168.56.12");
    expect(at("node2").routes).toContain("10.244.1.0/24 via 192.168.56.11");
    expect(at("web-0").run).toEqual(["netlab serve http --port 80 --name web-0"]);
    expect(l.kube?.pods.map((p) => `${p.node}@${p.on}`)).toEqual(["kube-system/coredns-0@node1", "web-0@node1", "web-1@node2", "web-2@node1"]); // the cluster DNS first, as kubeadm's addon
  });

  it("routing: vxlan builds flannel's flannel.1 on each node: no host-gw routes, a route, neighbour and forwarding entry per other node, pods at MTU 1450", () => {
    const l = labFromText(lab(DEPLOY(2), "  routing: vxlan\n"), "k8s.yaml");
    const at = (n: string) => l.nodes.find((x) => x.name === n)!;
    expect(at("node1").routes.filter((r) => r.startsWith("10.244."))).toEqual([]);
    expect(at("web-1").intfs[0].mtu).toBe(1450);
    const script = renderPlan(compile(l, { stateDir: "/run/netlab/k8s" }), "t");
    const mac = (n: string) => new RegExp(`link add flannel\\.1 address (\\S+) type vxlan id 1 dstport 8472 local 192\\.168\\.56\\.${n} nolearning dev eth0`).exec(script)?.[1];
    expect([mac("11"), mac("12")].every(Boolean)).toBe(true);
    expect(script).toContain("address add 10.244.1.0/32 dev flannel.1");
    expect(script).toContain(`neigh replace 10.244.2.0 lladdr ${mac("12")} dev flannel.1 nud permanent`);
    expect(script).toContain("route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
    expect(script).toContain(`fdb append ${mac("11")} dev flannel.1 dst 192.168.56.11 self permanent`);
  });

  it("builds cni0 in each node and flannel's masquerade: pod to pod left alone, the rest masqueraded", () => {
    const l = labFromText(lab(DEPLOY(1)), "k8s.yaml");
    const script = renderPlan(compile(l, { stateDir: "/run/netlab/k8s" }), "t");
    expect(script).toMatch(/link add cni0 address \S+ type bridge\n/);
    expect(script).toContain("address add 10.244.1.1/24 dev cni0");
    expect(script).toContain("-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16");
    expect(script).toContain("-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4");
    expect(script).toMatch(/-j MASQUERADE --random-fully/);
  });

  it("names pods NS/POD outside default, and pins them with nodeName and nodeSelector", () => {
    const m = `    - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }
    - { apiVersion: v1, kind: Pod, metadata: { name: db, namespace: shop }, spec: { nodeName: node2, containers: [{ name: db, image: pg, ports: [{ containerPort: 5432 }] }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: ssd }, spec: { nodeSelector: { disk: ssd }, containers: [{ name: c, image: x, command: [sleep, "1000"] }] } }
`;
    const l = labFromText(`name: k8s\nhosts:\n  node1: { labels: { disk: ssd } }\nkubernetes:\n  nodes: [node2, node1]\n  manifests:\n${m}`, "k8s.yaml");
    const db = l.nodes.find((n) => n.name === "shop/db")!;
    expect([db.host, db.intfs[0].addrs[0]]).toEqual(["node2", "10.244.1.3/24"]); // node2 is the cluster's first node (after the cluster DNS's pod, .2)
    expect(l.nodes.find((n) => n.name === "ssd")!.host).toBe("node1");
    expect(l.nodes.find((n) => n.name === "ssd")!.run).toEqual(["sleep 1000"]);
  });

  it("locates problems in the manifest file, at the field, as the API server would refuse them", () => {
    const dir = mkdtempSync(join(tmpdir(), "netlab-kube-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "web.yaml"), `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers: [{ name: web, image: nginx }]\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  nodeName: node9\n  containers: [{ name: c, image: x }]\n`);
    writeFileSync(join(dir, "lab.yaml"), lab("    - web.yaml\n    - missing.yaml\n"));
    // A directory is its manifests, as kubectl apply -f DIR reads it.
    mkdirSync(join(dir, "k8s"));
    writeFileSync(join(dir, "k8s", "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers: [{ name: c, image: x, ports: [{ containerPort: 80 }] }]\n");
    writeFileSync(join(dir, "dir.yaml"), lab("    - k8s\n"));
    expect(loadLabFile(join(dir, "dir.yaml")).nodes.map((n) => n.name)).toContain("p");
    const ps = problems(() => loadLabFile(join(dir, "lab.yaml")));
    expect(ps).toEqual([
      expect.stringMatching(/^lab\.yaml:6:7 kubernetes\.manifests\.1: no file missing\.yaml \(looked in /),
      "web.yaml:6:3 spec.selector: selector (app: web) does not match template labels (app: api)",
      'web.yaml:17:3 spec.nodeName: node "node9" not found',
    ]);
  });

  it("warns about what it does not build, and refuses what would change the meaning", () => {
    const ing = "    - { apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: { name: web }, spec: {} }\n";
    const l = labFromText(lab(DEPLOY(1) + ing), "k8s.yaml");
    expect(sourceOf(l)!.warnings.map((w) => `${w.key.join(".")}: ${w.message}`)).toEqual(["kubernetes.manifests.1.kind: Ingress web is left aside: netlab does not build Ingress objects yet"]);
    // As the API server refuses them: a kind nobody serves, a kind at the wrong apiVersion, a field its schema lacks.
    const bad = (doc: string) => problems(() => labFromText(lab(doc), "k8s.yaml"));
    expect(bad("    - { apiVersion: apps/v1, kind: Deploymnet, metadata: { name: w }, spec: {} }\n")).toEqual([expect.stringMatching(/kubernetes\.manifests\.0\.kind: no matches for kind "Deploymnet" in version "apps\/v1"/)]);
    expect(bad("    - { apiVersion: v1, kind: Deployment, metadata: { name: w }, spec: {} }\n")).toEqual([expect.stringMatching(/apiVersion: no matches for kind "Deployment" in version "v1"/)]);
    expect(bad(DEPLOY(1).replace("replicas: 1", "replcias: 1"))).toEqual([expect.stringMatching(/spec\.replcias: unknown field "spec\.replcias"/)]);
    expect(bad("    - { apiVersion: v1, kind: Service, metadata: { name: s }, spec: { ports: [{ port: 80, tragetPort: 8080 }] } }\n")).toEqual([expect.stringMatching(/unknown field "spec\.ports\.tragetPort"/)]);
    // A route of the lab file into the pods' range: netlab routes pods itself.
    expect(problems(() => labFromText(`name: k8s\nhosts:\n  node1: { routes: ["10.244.9.0/24 via 192.168.56.12"] }\nkubernetes:\n  nodes: [node1]\n`, "k8s.yaml"))).toEqual([expect.stringMatching(/hosts\.node1\.routes\.0: this route to 10\.244\.9\.0\/24 is inside the cluster's podCIDR 10\.244\.0\.0\/16/)]);
    // Elsewhere, and wider, a route is the lab's: a machine outside the cluster may route to the pods through a node.
    expect(labFromText(`name: k8s\nhosts:\n  vm9: { routes: ["10.244.0.0/16 via 192.168.56.11"] }\nkubernetes:\n  nodes: [node1]\n`, "k8s.yaml").nodes.find((n) => n.name === "vm9")!.routes).toContain("10.244.0.0/16 via 192.168.56.11");
    // The lab up is read from the manifest files as they were when it came up (kubectl's verbs pass them), not as edited since.
    const kdir = mkdtempSync(join(tmpdir(), "netlab-kept-"));
    onTestFinished(() => rmSync(kdir, { recursive: true, force: true }));
    writeFileSync(join(kdir, "m.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: { name: now }\nspec: { containers: [{ name: c, image: x, command: [sleep, \"9\"] }] }\n");
    writeFileSync(join(kdir, "lab.yaml"), lab("    - m.yaml\n"));
    const first = loadLabFile(join(kdir, "lab.yaml"));
    expect(first.kube!.files).toEqual([join(kdir, "m.yaml")]);
    const kept = { [join(kdir, "m.yaml")]: "apiVersion: v1\nkind: Pod\nmetadata: { name: then }\nspec: { containers: [{ name: c, image: x, command: [sleep, \"9\"] }] }\n" };
    expect(loadLabFile(join(kdir, "lab.yaml"), { files: kept }).nodes.map((n) => n.name)).toContain("then");
    // kind: List, as kubectl get -o yaml prints it and apply -f takes it: its items.
    const list = labFromText(lab("    - { apiVersion: v1, kind: List, items: [{ apiVersion: v1, kind: Pod, metadata: { name: li }, spec: { containers: [{ name: c, image: x, command: [sleep, \"9\"] }] } }] }\n"), "k8s.yaml");
    expect(list.nodes.map((n) => n.name)).toContain("li");
    // A custom resource of another group is left aside, said.
    expect(sourceOf(labFromText(lab("    - { apiVersion: cert-manager.io/v1, kind: Certificate, metadata: { name: c }, spec: {} }\n"), "k8s.yaml"))!.warnings).toHaveLength(1);
    const none = labFromText(lab(DEPLOY(1) + "    - { apiVersion: v1, kind: Service, metadata: { name: s }, spec: { selector: { app: nope }, ports: [{ port: 80 }] } }\n"), "k8s.yaml");
    expect(sourceOf(none)!.warnings.map((w) => `${w.key.join(".")}: ${w.message}`)).toEqual(["kubernetes.manifests.1.spec.selector: selector app=nope matches no pod in namespace default: the Service has no endpoints, and kube-proxy rejects its connections"]);
    expect(problems(() => labFromText(lab(DEPLOY(1, "\n            hostNetwork: true")), "k8s.yaml"))).toEqual([expect.stringMatching(/kubernetes\.manifests\.0\.spec\.template\.spec\.hostNetwork: hostNetwork: a pod in its node's own network namespace/)]);
    expect(problems(() => labFromText(lab(DEPLOY(), "  podCIDR: 10.244.0.0/25\n"), "k8s.yaml"))).toEqual([expect.stringMatching(/kubernetes\.podCIDR: 10\.244\.0\.0\/25 is too small/)]);
    expect(problems(() => labFromText(lab("    - { apiVersion: v1, kind: Pod, metadata: { name: x, namespace: nope }, spec: { containers: [{ name: c }] } }\n"), "k8s.yaml"))).toEqual([expect.stringMatching(/metadata\.namespace: namespace "nope" not found/)]);
    expect(problems(() => labFromText(lab(DEPLOY(100000)), "k8s.yaml"))).toEqual([expect.stringMatching(/spec\.replicas: replicas 100000 is more than netlab makes of one Deployment/)]);
    expect(problems(() => labFromText(`name: k8s\nkubernetes:\n  nodes: [node1, node1]\n`, "k8s.yaml"))).toEqual([expect.stringMatching(/kubernetes\.nodes\.1: node node1 is listed twice/)]);
  });
});
