// NetworkPolicy enforced for real (issue 22): the upstream e2e layout — pods a and b, labelled
// `pod: NAME`, in namespaces x, y and z, spread over two nodes, serving TCP 80 and 81 (named
// serve-80-tcp, serve-81-tcp) — policies applied live, and `netlab test --matrix` probing every
// pair: no cell may differ from what Kubernetes' semantics say (unit-tested against the e2e
// suite's own tables), and a few cells are checked by hand as well. Cases include the ones a
// review found the kernel getting wrong: a policy of both types, an egress rule naming a port and
// no peer, overlapping ipBlocks.
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IS_ROOT, labFiles, Sandbox, type Snapshot } from "./sandbox.js";

const POD = (ns: string, name: string, node: string) =>
  `    - { apiVersion: v1, kind: Pod, metadata: { name: ${name}, namespace: ${ns}, labels: { pod: ${name} } }, spec: { nodeName: ${node}, containers: [{ name: c, image: agnhost, ports: [{ name: serve-80-tcp, containerPort: 80 }, { name: serve-81-tcp, containerPort: 81 }] }] } }`;
const LAB = `name: npx
kubernetes:
  nodes: [node1, node2]
  manifests:
${["x", "y", "z"].map((n) => `    - { apiVersion: v1, kind: Namespace, metadata: { name: ${n}, labels: { ns: ${n} } } }`).join("\n")}
${["x", "y", "z"].flatMap((n, i) => [POD(n, "a", i % 2 ? "node2" : "node1"), POD(n, "b", i % 2 ? "node1" : "node2")]).join("\n")}
`;
const podDoc = (ns: string, name: string, node: string, labels: string) =>
  `${POD(ns, name, node).replace(/^ {4}- /, "").replace(/labels: \{ pod: \w+ \}/, `labels: ${labels}`)}\n`;
const nsDoc = (ns: string, labels: string) => `{ apiVersion: v1, kind: Namespace, metadata: { name: ${ns}, labels: ${labels} } }\n`;
const policy = (ns: string, name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec: ${spec}\n`;

interface Matrix { port: number; pods: string[]; got: string[][] }

describe.skipIf(!IS_ROOT)("NetworkPolicy, enforced", () => {
  let sb: Sandbox;
  let before: Snapshot;
  const files = labFiles("netlab-netpol-");
  const matrix = async () => {
    const r = await sb.netlab(["test", "npx", "--matrix", "80", "81", "--json"]);
    const j = JSON.parse(r.stdout) as { tables: Matrix[]; differences: string[] };
    const cell = (port: number, from: string, to: string) => {
      const t = j.tables.find((x) => x.port === port)!;
      return t.got[t.pods.indexOf(from)][t.pods.indexOf(to)];
    };
    return { differences: j.differences, cell, code: r.code };
  };
  const apply = async (name: string, text: string) => expect((await sb.netlab(["apply", "npx", "-f", files.write(name, text)])).code).toBe(0);
  const remove = async (name: string) => expect((await sb.netlab(["delete", "npx", "-f", `${files.dir}/${name}.yaml`])).code).toBe(0);

  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    expect((await sb.netlab(["up", files.write("npx", LAB)])).code).toBe(0);
  });
  afterAll(async () => {
    await sb.netlab(["down", "npx"]);
    rmSync(files.dir, { recursive: true, force: true });
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  it("without policies every pod reaches every pod (flannel enforces nothing)", async () => {
    const m = await matrix();
    expect([m.differences, m.cell(80, "z/b", "x/a"), m.code]).toEqual([[], ".", 0]);
  });

  it("a policy of both types: x's pods reach nothing (egress), and only x reaches them (ingress)", async () => {
    await apply("both", policy("x", "both", "{ podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ from: [{ podSelector: {} }] }] }"));
    const m = await matrix();
    expect(m.differences).toEqual([]);
    expect([m.cell(80, "x/a", "x/b"), m.cell(80, "y/a", "x/a"), m.cell(81, "x/b", "z/a"), m.cell(80, "y/a", "z/b")]).toEqual(["X", "X", "X", "."]);
    await remove("both");
  });

  it("an egress rule naming a port and no peer: that port to every pod, nothing else", async () => {
    await apply("egnamed", policy("y", "egnamed", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ ports: [{ port: serve-80-tcp }] }] }"));
    const m = await matrix();
    expect(m.differences).toEqual([]);
    expect([m.cell(80, "y/a", "z/a"), m.cell(81, "y/a", "z/a"), m.cell(81, "y/b", "z/a")]).toEqual([".", "X", "."]);
    await remove("egnamed");
  });

  it("overlapping ipBlock peers add up: one block's except does not take another's addresses", async () => {
    await apply("dupblock", policy("z", "dupblock", "{ podSelector: { matchLabels: { pod: b } }, ingress: [{ from: [{ ipBlock: { cidr: 10.244.1.0/24 } }, { ipBlock: { cidr: 10.244.0.0/16, except: [10.244.1.0/24] } }] }] }"));
    const m = await matrix();
    expect(m.differences).toEqual([]);
    expect([m.cell(80, "x/a", "z/b"), m.cell(80, "x/b", "z/b")]).toEqual([".", "."]); // node1's pod by the first block, node2's by the second
    await remove("dupblock");
  });

  it("namespaceSelector AND podSelector in one peer, on a port: only y's and z's b reach x/a, and only on 81", async () => {
    await apply("and", policy("x", "and", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: ns, operator: NotIn, values: [x] }] }, podSelector: { matchLabels: { pod: b } } }], ports: [{ port: 81 }] }] }"));
    const m = await matrix();
    expect(m.differences).toEqual([]);
    expect([m.cell(81, "y/b", "x/a"), m.cell(80, "y/b", "x/a"), m.cell(81, "y/a", "x/a"), m.cell(81, "x/b", "x/a")]).toEqual([".", "X", "X", "X"]);
    await remove("and");
  });

  // More of the e2e suite's cases (network_policy.go), each: its policies, then cells checked by hand
  // ([port, from, to, expected]) beside the whole matrix equal to Kubernetes' semantics.
  const CASES: [string, string[], [number, string, string, string][]][] = [
    ["default-deny-ingress", [policy("x", "deny", "{ podSelector: {}, policyTypes: [Ingress] }")], [[80, "y/a", "x/a", "X"], [80, "x/a", "y/a", "."]]],
    ["default-deny-egress", [policy("x", "deny", "{ podSelector: {}, policyTypes: [Egress] }")], [[80, "x/a", "y/b", "X"], [80, "y/b", "x/a", "."]]],
    ["from a namespace, by namespaceSelector", [policy("x", "from-y", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } } }] }] }")], [[80, "y/b", "x/a", "."], [80, "z/a", "x/a", "X"], [80, "x/b", "x/a", "X"]]],
    ["by podSelector matchExpressions", [policy("x", "in-b", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: pod, operator: In, values: [b] }] } }] }] }")], [[80, "x/b", "x/a", "."], [80, "y/b", "x/a", "X"]]],
    ["podSelector OR namespaceSelector", [policy("x", "or", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: ns, operator: NotIn, values: [x] }] } }, { podSelector: { matchLabels: { pod: b } } }] }] }")], [[80, "x/b", "x/a", "."], [80, "z/a", "x/a", "."]]],
    ["only port 81, from y", [policy("x", "p81", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } } }], ports: [{ port: 81, protocol: TCP }] }] }")], [[80, "y/a", "x/a", "X"], [81, "y/a", "x/a", "."], [81, "z/a", "x/a", "X"]]],
    ["a named port", [policy("x", "named", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: serve-81-tcp }] }] }")], [[81, "z/b", "x/a", "."], [80, "z/b", "x/a", "X"]]],
    ["an endPort range", [policy("x", "range", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 80, endPort: 81 }] }] }")], [[80, "z/b", "x/a", "."], [81, "z/b", "x/a", "."]]],
    ["egress to one pod of another namespace, on one port", [policy("x", "eg", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: y } }, podSelector: { matchLabels: { pod: a } } }], ports: [{ port: 80 }] }] }")], [[80, "x/a", "y/a", "."], [80, "x/a", "y/b", "X"], [81, "x/a", "y/a", "X"]]],
    ["deny ingress from other namespaces", [policy("x", "same-ns", "{ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }")], [[80, "y/a", "x/b", "X"], [80, "x/a", "x/b", "."]]],
    ["deny-all and allow-all add up to allow", [policy("x", "deny", "{ podSelector: {}, policyTypes: [Ingress] }"), policy("x", "allow", "{ podSelector: {}, ingress: [{}] }")], [[80, "y/a", "x/a", "."]]],
    ["the client's egress denial wins over the server's allow", [policy("x", "deny-eg", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress] }"), policy("y", "allow-a", "{ podSelector: { matchLabels: { pod: b } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: x } }, podSelector: { matchLabels: { pod: a } } }] }] }")], [[80, "x/a", "y/b", "X"], [80, "z/a", "y/b", "X"], [80, "x/b", "y/b", "X"]]],
  ];

  // Upstream names: "should enforce policy to allow ingress traffic for a target", "… from pods in all
  // namespaces", "… based on NamespaceSelector with MatchExpressions", "… Multiple PodSelectors and
  // NamespaceSelectors" (a and b only here), "… any PodSelectors", "… only from a pod in a different
  // namespace based on PodSelector and NamespaceSelector", "… stacked policies with overlapping
  // podSelectors", "… from namespace on one named port", "… deny egress from pods based on
  // PodSelector", "… not allow access by TCP when a policy specifies only UDP", "… not mistakenly
  // treat 'protocol: SCTP' as 'protocol: TCP'", "… ingress allow-all taking precedence", "… egress
  // allow-all taking precedence", "… NamespaceSelector with MatchLabels using default ns label",
  // "… ingress and egress policies can be controlled independently".
  const MORE: typeof CASES = [
    ["ingress for a target", [policy("x", "deny", "{ podSelector: {}, policyTypes: [Ingress] }"), policy("x", "allow-a", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{}] }")], [[80, "y/a", "x/a", "."], [80, "y/a", "x/b", "X"]]],
    ["ingress from pods in all namespaces", [policy("x", "all-ns", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: {} }] }] }")], [[80, "z/b", "x/a", "."], [81, "y/a", "x/a", "."]]],
    ["namespaceSelector matchExpressions", [policy("x", "ns-in", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: ns, operator: In, values: [y] }] } }] }] }")], [[80, "y/a", "x/a", "."], [80, "z/a", "x/a", "X"], [80, "x/b", "x/a", "X"]]],
    ["multiple podSelectors and namespaceSelectors", [policy("x", "multi", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: ns, operator: NotIn, values: [x] }] }, podSelector: { matchExpressions: [{ key: pod, operator: In, values: [b, c] }] } }] }] }")], [[80, "y/b", "x/a", "."], [80, "y/a", "x/a", "X"], [80, "x/b", "x/a", "X"]]],
    ["any podSelectors (two peers)", [policy("x", "any-pods", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: b } } }, { podSelector: { matchLabels: { pod: c } } }] }] }")], [[80, "x/b", "x/a", "."], [80, "y/b", "x/a", "X"]]],
    ["only from a pod in a different namespace", [policy("x", "ya", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } }, podSelector: { matchLabels: { pod: a } } }] }] }")], [[80, "y/a", "x/a", "."], [80, "y/b", "x/a", "X"], [80, "z/a", "x/a", "X"]]],
    ["stacked policies with overlapping podSelectors", [policy("x", "p80", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } } }], ports: [{ port: 80 }] }] }"), policy("x", "p81", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } } }], ports: [{ port: 81 }] }] }")], [[80, "y/a", "x/a", "."], [81, "y/b", "x/a", "."], [81, "z/a", "x/a", "X"]]],
    ["from a namespace on one named port", [policy("x", "ns-named", "{ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } } }], ports: [{ port: serve-80-tcp }] }] }")], [[80, "y/a", "x/b", "."], [81, "y/a", "x/b", "X"], [80, "z/a", "x/b", "X"]]],
    ["deny egress from pods by podSelector", [policy("x", "deny-a", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress] }")], [[80, "x/a", "y/a", "X"], [80, "x/b", "y/a", "."], [80, "y/a", "x/a", "."]]],
    ["TCP not allowed by a UDP-only policy", [policy("x", "udp", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 81, protocol: UDP }] }] }")], [[81, "y/a", "x/a", "X"], [80, "y/a", "x/a", "X"], [80, "y/a", "x/b", "."]]],
    ["'protocol: SCTP' is not TCP", [policy("x", "sctp", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 80, protocol: SCTP }] }] }")], [[80, "y/a", "x/a", "X"], [80, "y/a", "x/b", "."]]],
    ["ingress allow-all takes precedence", [policy("x", "p80", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 80 }] }] }"), policy("x", "all", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{}] }")], [[81, "y/a", "x/a", "."], [80, "y/a", "x/a", "."]]],
    ["egress allow-all takes precedence", [policy("x", "p80", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ ports: [{ port: 80 }] }] }"), policy("x", "all", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{}] }")], [[81, "x/a", "y/a", "."], [80, "x/a", "y/b", "."]]],
    ["the default namespace label", [policy("x", "meta", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: z } } }] }] }")], [[80, "z/a", "x/a", "."], [80, "y/a", "x/a", "X"]]],
    ["ingress and egress controlled independently", [policy("x", "eg-b", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ to: [{ podSelector: { matchLabels: { pod: b } } }] }] }"), policy("x", "in-b", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Ingress], ingress: [{ from: [{ podSelector: { matchLabels: { pod: b } } }] }] }")], [[80, "x/a", "x/b", "."], [80, "x/a", "y/b", "X"], [80, "y/b", "x/a", "X"], [80, "x/b", "x/a", "."]]],
    ["an ipBlock with except OR any namespace: the namespace peer still reaches the except's pods", [policy("x", "blk-or-ns", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ to: [{ ipBlock: { cidr: 10.244.0.0/16, except: [10.244.2.0/24] } }, { namespaceSelector: {} }], ports: [{ port: 80, endPort: 90 }] }] }")], [[80, "x/a", "y/a", "."], [80, "x/a", "x/b", "."], [81, "x/a", "z/b", "."]]],
  ];

  it.each([...CASES, ...MORE])("e2e: %s", async (name, policies, cells) => {
    const file = name.replace(/[^a-z]+/g, "-");
    await apply(file, policies.join("---\n"));
    const m = await matrix();
    expect(m.differences).toEqual([]);
    expect(cells.map(([port, from, to]) => m.cell(port, from, to))).toEqual(cells.map((c) => c[3]));
    await remove(file);
  });

  // Upstream cases where an object changes under a policy: "should enforce updated policy", "should
  // allow ingress access from updated namespace", "… from updated pod", "should deny ingress access to
  // updated pod", "should stop enforcing policies after they are deleted". Each step applies (or
  // deletes) and then checks cells; labels are put back as the lab had them at the end.
  const cells = async (want: [number, string, string, string][]) => {
    const m = await matrix();
    expect(m.differences).toEqual([]);
    expect(want.map(([port, from, to]) => m.cell(port, from, to))).toEqual(want.map((c) => c[3]));
  };

  it("e2e: an updated policy is enforced as it now reads", async () => {
    await apply("upd", policy("x", "upd", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: y } } }] }] }"));
    await cells([[80, "y/a", "x/a", "."], [80, "z/a", "x/a", "X"]]);
    await apply("upd", policy("x", "upd", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: z } } }] }] }"));
    await cells([[80, "y/a", "x/a", "X"], [80, "z/a", "x/a", "."]]);
    await remove("upd");
  });

  it("e2e: ingress from an updated namespace, and from an updated pod", async () => {
    await apply("upd-ns", policy("x", "upd-ns", "{ podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: updated } } }, { podSelector: { matchLabels: { pod2: updated } } }] }] }"));
    await cells([[80, "y/a", "x/a", "X"], [80, "x/b", "x/a", "X"]]);
    await apply("y-ns", nsDoc("y", "{ ns: y, ns2: updated }"));
    await apply("xb", podDoc("x", "b", "node2", "{ pod: b, pod2: updated }"));
    await cells([[80, "y/a", "x/a", "."], [80, "y/b", "x/a", "."], [80, "x/b", "x/a", "."], [80, "z/a", "x/a", "X"]]);
    await apply("y-ns", nsDoc("y", "{ ns: y }"));
    await apply("xb", podDoc("x", "b", "node2", "{ pod: b }"));
    await cells([[80, "y/a", "x/a", "X"], [80, "x/b", "x/a", "X"]]);
    await remove("upd-ns");
  });

  it("e2e: ingress denied to a pod once its labels bring it under a policy", async () => {
    await apply("isolate", policy("x", "isolate", "{ podSelector: { matchLabels: { target: isolated } }, policyTypes: [Ingress] }"));
    await cells([[80, "y/a", "x/a", "."]]);
    await apply("xa", podDoc("x", "a", "node1", "{ pod: a, target: isolated }"));
    await cells([[80, "y/a", "x/a", "X"], [80, "y/a", "x/b", "."]]);
    await apply("xa", podDoc("x", "a", "node1", "{ pod: a }"));
    await cells([[80, "y/a", "x/a", "."]]);
    await remove("isolate");
  });

  it("e2e: policies stop being enforced once deleted: every cell open again", async () => {
    await apply("deny-xy", [policy("x", "deny", "{ podSelector: {}, policyTypes: [Ingress, Egress] }"), policy("y", "deny", "{ podSelector: {}, policyTypes: [Ingress] }")].join("---\n"));
    await cells([[80, "z/a", "x/a", "X"], [81, "z/b", "y/a", "X"], [80, "x/a", "z/a", "X"]]);
    await remove("deny-xy");
    const r = await sb.netlab(["test", "npx", "--matrix", "80", "81", "--json"]);
    const j = JSON.parse(r.stdout) as { tables: Matrix[] };
    expect(j.tables.flatMap((t) => t.got.flatMap((row, i) => row.filter((c, k) => i !== k && c !== ".")))).toEqual([]);
  });

  // The ipBlock cases: "should allow egress access to server in CIDR block", "should enforce except
  // clause while egress access to server in CIDR block", "should ensure an IP overlapping both
  // IPBlock.CIDR and IPBlock.Except is allowed".
  const ipOf = async (pod: string) => {
    const r = await sb.netlab(["get", "npx", "pods", "-A", "-o", "json"]);
    const items = (JSON.parse(r.stdout) as { items: { metadata: { name: string; namespace: string }; status: { podIP: string } }[] }).items;
    return items.find((i) => `${i.metadata.namespace}/${i.metadata.name}` === pod)!.status.podIP;
  };

  it("e2e: egress to a server by CIDR block; an except clause; an IP in one policy's except and another's cidr", async () => {
    const yb = await ipOf("y/b");
    await apply("cidr", policy("x", "cidr", `{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ to: [{ ipBlock: { cidr: ${yb}/32 } }] }] }`));
    await cells([[80, "x/a", "y/b", "."], [80, "x/a", "y/a", "X"], [80, "x/b", "y/a", "."]]);
    await remove("cidr");
    await apply("except", policy("x", "except", `{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ to: [{ ipBlock: { cidr: 10.244.0.0/16, except: [${yb}/32] } }] }] }`));
    await cells([[80, "x/a", "y/b", "X"], [80, "x/a", "y/a", "."], [81, "x/a", "z/b", "."]]);
    await apply("overlap", policy("x", "overlap", `{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Egress], egress: [{ to: [{ ipBlock: { cidr: ${yb}/32 } }] }] }`));
    await cells([[80, "x/a", "y/b", "."], [80, "x/a", "y/a", "."]]);
    await remove("overlap");
    await remove("except");
  });

  // Kubernetes leaves established connections to the plugin ("Pod lifecycle" in the NetworkPolicy
  // docs); kube-router and Calico accept RELATED,ESTABLISHED before any policy rule, and so does
  // netlab: a connection open when a policy starts forbidding it lives on until it closes, while a new
  // one fails at once.
  it("a connection open before a policy that forbids it keeps working; a new one is refused at once", async () => {
    const xa = await ipOf("x/a");
    const out = files.write("conn-out", "");
    const go = `${files.dir}/conn-go`;
    const server = sb.exec("npx", "x/a", `timeout 20 nc -l 9000 > ${out}`);
    await waitFor(async () => (await sb.exec("npx", "x/a", "ss -ltn 'sport = :9000' | grep -c LISTEN")).stdout.trim() === "1");
    const client = sb.exec("npx", "y/a", `timeout 20 bash -c 'exec 3<>/dev/tcp/${xa}/9000; echo one >&3; while [ ! -e ${go} ]; do sleep 0.05; done; echo two >&3'`);
    await waitFor(async () => readFileSync(out, "utf8").includes("one"));
    await apply("cut", policy("x", "cut", "{ podSelector: { matchLabels: { pod: a } }, policyTypes: [Ingress] }"));
    const fresh = await sb.exec("npx", "y/a", `nc -z -w 1 ${xa} 80`);
    writeFileSync(go, "");
    expect([(await client).code, (await server).code, fresh.code]).toEqual([0, 0, 1]);
    expect(readFileSync(out, "utf8")).toBe("one\ntwo\n");
    await remove("cut");
  });

  it("delete networkpolicy --all -n x, as kubectl: x's policies go, y's stay", async () => {
    await apply("all-x", [policy("x", "zeta", "{ podSelector: {}, policyTypes: [Ingress] }"), policy("x", "alpha", "{ podSelector: {}, policyTypes: [Egress] }"), policy("y", "three", "{ podSelector: {}, policyTypes: [Ingress] }")].join("---\n"));
    const d = await sb.netlab(["delete", "npx", "networkpolicy", "--all", "-n", "x"]);
    expect([d.code, d.stdout]).toEqual([0, 'networkpolicy.networking.k8s.io "alpha" deleted\nnetworkpolicy.networking.k8s.io "zeta" deleted\n']); // by name, as kubectl
    await cells([[80, "z/a", "x/a", "."], [80, "x/a", "z/a", "."], [80, "z/a", "y/a", "X"]]);
    const again = await sb.netlab(["delete", "npx", "netpol", "--all", "-n", "x"]);
    expect([again.code, again.stdout]).toEqual([0, "No resources found in x namespace.\n"]);
    // AGE is each policy's own (not the cluster's): four, applied over a second after three, is younger.
    await new Promise((r) => setTimeout(r, 1100));
    await apply("four", policy("y", "four", "{ podSelector: {}, policyTypes: [Ingress] }"));
    const age = async (name: string) => Number(new RegExp(`^${name} +<none> +(\\d+)s$`, "m").exec((await sb.netlab(["get", "npx", "netpol", "-n", "y"])).stdout)?.[1]);
    expect(await age("four")).toBeLessThan(await age("three"));
    expect((await sb.netlab(["delete", "npx", "networkpolicy", "four", "-n", "y"])).code).toBe(0);
    expect((await sb.netlab(["delete", "npx", "networkpolicy", "three", "-n", "y"])).code).toBe(0);
  });

  it("every policy deleted: no chain, rule or ipset of theirs is left on the nodes", async () => {
    for (const node of ["node1", "node2"]) {
      const r = await sb.exec("npx", node, "ipset list -n | wc -l; iptables-save -t filter | grep -c KUBE-NWPLCY- || true");
      expect([node, r.stdout.trim().split("\n")]).toEqual([node, ["0", "0"]]);
    }
  });
});

async function waitFor(ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await ok()) return;
  throw new Error("timed out waiting");
}
