// kubectl's verbs on a cluster that is up (issue 21, item 7), on a real kernel: scale starts and
// stops only the pods that differ and every node's chains follow; apply -f creates, configures
// and says unchanged; delete removes, and says NotFound; Services keep their ClusterIPs; the
// cluster DNS answers the new names at once; a removed UDP endpoint's flows are forgotten; down
// leaves the sandbox as it was.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, IS_ROOT, labFiles, Sandbox, type Snapshot } from "./sandbox.js";

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }, { containerPort: 53, protocol: UDP }] }] }
`;

const LAB = `name: kverbs
kubernetes:
  nodes: [node1, node2]
  manifests:
    - web.yaml
    - { apiVersion: v1, kind: Service, metadata: { name: web }, spec: { selector: { app: web }, ports: [{ name: http, port: 80 }, { name: dns, port: 53, protocol: UDP }] } }
    - { apiVersion: v1, kind: Service, metadata: { name: other }, spec: { selector: { app: web }, ports: [{ port: 8080, targetPort: 80 }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: client }, spec: { nodeName: node2, containers: [{ name: c, image: busybox, command: [sleep, infinity] }] } }
`;

const API = `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  replicas: REPLICAS
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: x, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ port: 80, targetPort: 8080 }] }
`;

describe.skipIf(!IS_ROOT)("kubectl's verbs on a cluster that is up", () => {
  let sb: Sandbox;
  let before: Snapshot;
  const files = labFiles("netlab-kverbs-");
  const nat = async (node: string) => (await sb.exec("kverbs", node, "iptables-save -t nat")).stdout;
  const inode = async (ns: string) => (await sb.sh(`stat -L -c %i /run/netns/${ns}`)).stdout.trim();

  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    files.write("web", WEB);
    expect((await sb.netlab(["up", files.write("kverbs", LAB)])).code).toBe(0);
  });
  afterAll(async () => {
    await sb.netlab(["down", "kverbs"]);
    rmSync(files.dir, { recursive: true, force: true });
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  it("scale: only the new pods start, every node's chains take them, the Service spreads over them; then they stop", async () => {
    const web0 = await inode("kverbs-web-0");
    const r = await sb.netlab(["scale", "kverbs", "deployment/web", "--replicas", "4"]);
    expect([r.code, r.stdout]).toEqual([0, "deployment.apps/web scaled\n"]);
    expect(await inode("kverbs-web-0")).toBe(web0); // untouched
    for (const n of ["node1", "node2"]) expect((await nat(n)).split("\n").filter((l) => l.includes('"default/web:http -> ')).length).toBe(4);
    const seen = await sb.exec("kverbs", "client", "for i in $(seq 40); do curl -s -m 2 http://web/ | head -1; done | sort -u");
    expect(seen.stdout.trim().split("\n")).toEqual(["hello from web-0", "hello from web-1", "hello from web-2", "hello from web-3"]);
    expect((await sb.netlab(["get", "kverbs", "pods"])).stdout).toMatch(/web-3 +1\/1 +Running/);
    expect((await sb.netlab(["scale", "kverbs", "deploy", "web", "--replicas", "1"])).code).toBe(0);
    expect((await sb.sh("ip netns list")).stdout).not.toMatch(/kverbs-web-[123]\b/);
    expect((await nat("node1")).split("\n").filter((l) => l.includes('"default/web:http -> ')).length).toBe(1);
    expect(await inode("kverbs-web-0")).toBe(web0);
  });

  it("a chain the apply leaves as it is, removed by hand: the changed chains that jump to it fail to load, so the whole tables are loaded instead", async () => {
    expect((await sb.netlab(["scale", "kverbs", "deployment/web", "--replicas", "1"])).code).toBe(0);
    const line = (await nat("node1")).split("\n").find((l) => l.startsWith("-A KUBE-SVC-") && l.includes('"default/web:http -> '))!;
    const [svc, sep] = [line.split(" ")[1], line.split(" -j ")[1]];
    await sb.exec("kverbs", "node1", `iptables -t nat -F ${svc} && iptables -t nat -F ${sep} && iptables -t nat -X ${sep}`);
    expect((await nat("node1")).split("\n")).not.toContain(`:${sep} - [0:0]`);
    const r = await sb.netlab(["scale", "kverbs", "deployment/web", "--replicas", "2"]); // web's Service chain changes, and jumps to the removed one
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/error|failed/i);
    const now = (await nat("node1")).split("\n");
    expect(now).toContain(`:${sep} - [0:0]`);
    expect(now.filter((l) => l.startsWith(`-A ${svc} `) && l.includes('"default/web:http -> ')).length).toBe(2);
    const seen = await sb.exec("kverbs", "client", "for i in $(seq 20); do curl -s -m 2 http://web/ | head -1; done | sort -u");
    expect(seen.stdout.trim().split("\n")).toEqual(["hello from web-0", "hello from web-1"]);
  });

  it("apply -f: created, then unchanged, then configured; the new Service answers by name at once; the others keep their ClusterIPs", async () => {
    const ips = async () => (await sb.netlab(["get", "kverbs", "svc", "-A"])).stdout;
    const age = async (words: string[], name: string) => Number(new RegExp(`^${name} .* (\\d+)s$`, "m").exec((await sb.netlab(["get", "kverbs", ...words])).stdout)?.[1]);
    if ((await age(["ns"], "default")) < 2) await new Promise((r) => setTimeout(r, 2000)); // the cluster older than what this creates, by a whole second
    const was = await ips();
    const f = files.write("api", API.replace("REPLICAS", "2"));
    const r = await sb.netlab(["apply", "kverbs", "-f", f]);
    expect([r.code, r.stdout]).toEqual([0, "namespace/shop created\ndeployment.apps/api created\nservice/api created\n"]);
    expect(await eventually(async () => (await sb.exec("kverbs", "client", "curl -s -m 2 http://api.shop/")).stdout.includes("hello from shop/api-"))).toBe(true);
    expect((await sb.exec("kverbs", "client", "dig +short +search api.shop")).stdout.trim()).toBe("10.96.0.13");
    // AGE is each object's own: the namespace and Deployment just created are younger than the cluster's.
    expect(await age(["ns"], "shop")).toBeLessThan(await age(["ns"], "default"));
    expect(await age(["deploy", "-n", "shop"], "api")).toBeLessThan(await age(["deploy"], "web"));
    for (const l of was.split("\n").slice(1)) expect(await ips()).toContain(l.replace(/ +\S+$/, "")); // every Service as it was, but its AGE
    expect((await sb.netlab(["apply", "kverbs", "-f", f])).stdout).toBe("namespace/shop unchanged\ndeployment.apps/api unchanged\nservice/api unchanged\n");
    const c = await sb.netlab(["apply", "kverbs", "-f", files.write("api", API.replace("REPLICAS", "3"))]);
    expect(c.stdout).toBe("namespace/shop unchanged\ndeployment.apps/api configured\nservice/api unchanged\n");
    expect((await sb.netlab(["get", "kverbs", "pods", "-n", "shop"])).stdout).toMatch(/api-2 +1\/1 +Running/);
  });

  it("delete: a Service by name (then NotFound, exit 1), a file's objects; a Service whose pods went rejects", async () => {
    const d = await sb.netlab(["delete", "kverbs", "svc", "other"]);
    expect([d.code, d.stdout]).toEqual([0, 'service "other" deleted\n']);
    const again = await sb.netlab(["delete", "kverbs", "service/other"]);
    expect([again.code, again.stderr]).toEqual([1, 'Error from server (NotFound): services "other" not found\n']);
    expect(await nat("node1")).not.toContain("default/other");
    const all = await sb.netlab(["delete", "kverbs", "-f", files.write("api", API.replace("REPLICAS", "3"))]);
    expect(all.stdout).toBe('namespace "shop" deleted\ndeployment.apps "api" deleted\nservice "api" deleted\n');
    expect((await sb.sh("ip netns list")).stdout).not.toContain("kverbs-shop");
    expect((await sb.exec("kverbs", "client", "dig +short +search +tries=1 api.shop")).stdout.trim()).toBe("");
    expect((await sb.netlab(["delete", "kverbs", "deployment", "web"])).stdout).toBe('deployment.apps "web" deleted\n');
    expect((await sb.exec("kverbs", "node2", "iptables-save -t filter")).stdout).toContain('"default/web:http has no endpoints"');
    expect((await sb.exec("kverbs", "client", "curl -sS -m 2 http://web/")).stderr).toMatch(/curl: \(7\) Failed to connect/); // REJECTed at once, no timeout
  });

  it("a UDP endpoint removed: the flows DNATed to it are forgotten on every node (kube-proxy's conntrack clearing)", async () => {
    expect((await sb.netlab(["apply", "kverbs", "-f", `${files.dir}/web.yaml`])).stdout).toBe("deployment.apps/web created\n");
    const flows = async () => (await sb.exec("kverbs", "node2", "conntrack -L -p udp --orig-dst 10.96.0.11 2>/dev/null | grep -c dport=53")).stdout.trim();
    await sb.exec("kverbs", "client", "for i in 1 2 3; do echo x | nc -u -w1 10.96.0.11 53; done");
    expect(Number(await flows())).toBeGreaterThan(0);
    expect((await sb.netlab(["scale", "kverbs", "deployment/web", "--replicas", "0"])).code).toBe(0);
    expect(await flows()).toBe("0");
  });
});
