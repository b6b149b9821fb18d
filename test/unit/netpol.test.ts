// NetworkPolicy semantics (kube/policy/): cases of the upstream e2e suite
// (test/e2e/network/netpol/network_policy.go in kubernetes/kubernetes) — pods a, b, c labelled
// `pod: NAME` in namespaces x, y, z, each serving ports 80 and 81 (named serve-80-tcp,
// serve-81-tcp) — their policies, and the truth table each expects, built as the suite builds it
// (all allowed, then its overrides; the diagonal ignored). The kernel's enforcement is checked
// against the same tables by the integration tests.
import { describe, expect, it } from "vitest";
import { LabSource } from "../../src/lab/source.js";
import type { Problem } from "../../src/errors.js";
import { readPolicy } from "../../src/kube/policy/read.js";
import type { KPolicy, PolicyPod } from "../../src/kube/policy/types.js";
import { matrix, verdict } from "../../src/kube/policy/verdict.js";
import { labFromText } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import { renderPlan } from "../../src/runtime/ops/index.js";
import { chainFor } from "../../src/plan/features/kube-proxy.js";
import { getTable } from "../../src/kube/get.js";
import { differences, renderMatrix } from "../../src/check/matrix.js";

const NS = ["x", "y", "z"];
const PODS: PolicyPod[] = NS.flatMap((ns, i) =>
  ["a", "b", "c"].map((name, j) => ({ node: `${ns}/${name}`, ns, name, labels: { pod: name }, ip: `10.244.${i + 1}.${j + 2}`, ports: [80, 81].map((port) => ({ name: `serve-${port}-tcp`, port, protocol: "TCP" })) })),
);
const NS_LABELS = new Map(NS.map((n) => [n, { ns: n }]));
const id = (p: PolicyPod) => `${p.ns}/${p.name}`;

function policy(ns: string, spec: Record<string, unknown>, name = "p"): KPolicy {
  const data = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec };
  const src = LabSource.fromObject(data, "policy.yaml");
  const problems: Problem[] = [];
  const p = readPolicy({ data, at: (k) => ({ src, key: k }) }, { name, ns }, problems);
  expect(problems.map((x) => x.message)).toEqual([]);
  return p;
}

/** The suite's Reachability: all true, then `(from, to) => false` for what it expects blocked. */
function expected(blocked: (from: PolicyPod, to: PolicyPod) => boolean): string[][] {
  return PODS.map((a) => PODS.map((b) => (a === b || !blocked(a, b) ? "." : "X")));
}
/** The table, the diagonal set allowed (the suite ignores loopback). */
const table = (ps: KPolicy[], port = 80, proto = "TCP") => matrix(ps, NS_LABELS, PODS, port, proto).map((row, i) => row.map((c, j) => (i === j ? "." : c)));
const is = (p: PolicyPod, s: string) => id(p) === s;

describe("NetworkPolicy semantics: upstream e2e cases", () => {
  it("default-deny-ingress: nothing reaches x's pods", () => {
    expect(table([policy("x", { podSelector: {}, policyTypes: ["Ingress"] })])).toEqual(expected((_, to) => to.ns === "x"));
  });

  it("default-deny-all: x's pods reach nothing and nothing reaches them", () => {
    expect(table([policy("x", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })])).toEqual(expected((f, t) => f.ns === "x" || t.ns === "x"));
  });

  it("allow traffic from pods within server namespace based on PodSelector", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] });
    expect(table([p])).toEqual(expected((f, t) => is(t, "x/a") && !is(f, "x/b")));
  });

  it("allow traffic only from a different namespace, based on NamespaceSelector (the default metadata.name label)", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "y" } } }] }] });
    expect(table([p])).toEqual(expected((f, t) => is(t, "x/a") && f.ns !== "y"));
  });

  it("PodSelector with MatchExpressions; NamespaceSelector with MatchExpressions", () => {
    const pe = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "pod", operator: "In", values: ["b"] }] } }] }] });
    expect(table([pe])).toEqual(expected((f, t) => is(t, "x/a") && !is(f, "x/b")));
    const ne = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: "In", values: ["y"] }] } }] }] });
    expect(table([ne])).toEqual(expected((f, t) => is(t, "x/a") && f.ns !== "y"));
  });

  it("Exists and DoesNotExist: a pod with the label, a pod without", () => {
    const p = policy("x", { podSelector: { matchExpressions: [{ key: "pod", operator: "Exists" }] }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "pod", operator: "DoesNotExist" }] } }] }] });
    expect(table([p])).toEqual(expected((_, t) => t.ns === "x")); // every pod has the label: none may reach x
  });

  it("PodSelector OR NamespaceSelector (two peers); PodSelector AND NamespaceSelector (one peer)", () => {
    const or = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: "NotIn", values: ["x"] }] } }, { podSelector: { matchLabels: { pod: "b" } } }] }] });
    expect(table([or])).toEqual(expected((f, t) => is(t, "x/a") && f.ns === "x" && f.name !== "b"));
    const and = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: "NotIn", values: ["x"] }] }, podSelector: { matchLabels: { pod: "b" } } }] }] });
    expect(table([and])).toEqual(expected((f, t) => is(t, "x/a") && !(f.ns !== "x" && f.name === "b")));
  });

  it("Multiple PodSelectors and NamespaceSelectors", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: "NotIn", values: ["x"] }] }, podSelector: { matchExpressions: [{ key: "pod", operator: "In", values: ["b", "c"] }] } }] }] });
    expect(table([p])).toEqual(expected((f, t) => is(t, "x/a") && !(f.ns !== "x" && f.name !== "a")));
  });

  it("Ports: only 81 from y — on 80 nothing reaches x/a, on 81 y's pods do", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: 81, protocol: "TCP" }] }] });
    expect(table([p], 80)).toEqual(expected((_, t) => is(t, "x/a")));
    expect(table([p], 81)).toEqual(expected((f, t) => is(t, "x/a") && f.ns !== "y"));
  });

  it("one named port: serve-81-tcp opens 81 for everyone, 80 stays closed", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ port: "serve-81-tcp" }] }] });
    expect(table([p], 81)).toEqual(expected(() => false));
    expect(table([p], 80)).toEqual(expected((_, t) => is(t, "x/a")));
  });

  it("endPort: a range 80–81 opens both", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ port: 80, endPort: 81 }] }] });
    expect([table([p], 80), table([p], 81)]).toEqual([expected(() => false), expected(() => false)]);
  });

  it("egress to a server in another namespace (PodSelector AND NamespaceSelector), other destinations denied", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "a" } } }], ports: [{ port: 80 }] }] });
    expect(table([p])).toEqual(expected((f, t) => is(f, "x/a") && !is(t, "y/a")));
  });

  it("deny ingress from pods in other namespaces; deny all egress of a namespace", () => {
    expect(table([policy("x", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })])).toEqual(expected((f, t) => t.ns === "x" && f.ns !== "x"));
    expect(table([policy("x", { podSelector: {}, policyTypes: ["Egress"] })])).toEqual(expected((f) => f.ns === "x"));
  });

  it("allow-all ingress; policies add up (deny-all and allow-all together allow)", () => {
    expect(table([policy("x", { podSelector: {}, ingress: [{}] })])).toEqual(expected(() => false));
    expect(table([policy("x", { podSelector: {}, policyTypes: ["Ingress"] }, "deny"), policy("x", { podSelector: {}, ingress: [{}] }, "allow")])).toEqual(expected(() => false));
  });

  it("egress to a CIDR block except one pod's address", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.244.0.0/16", except: ["10.244.2.2/32"] } }] }] });
    expect(table([p])).toEqual(expected((f, t) => is(f, "x/a") && is(t, "y/a")));
  });

  it("the client's egress denial wins even when the server allows it explicitly", () => {
    const deny = policy("x", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"] }, "deny-egress");
    const allow = policy("y", { podSelector: { matchLabels: { pod: "b" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "x" } }, podSelector: { matchLabels: { pod: "a" } } }] }] }, "allow-ingress");
    const t = table([deny, allow]);
    expect(t).toEqual(expected((f, to) => is(f, "x/a") || (is(to, "y/b") && !is(f, "x/a"))));
  });

  it("policyTypes as the API server defaults them: egress: [] alone isolates nothing outward; policyTypes: [] is the default", () => {
    expect(policy("x", { podSelector: {}, ingress: [{}], egress: [] }).types).toEqual(["Ingress"]);
    expect(policy("x", { podSelector: {}, policyTypes: [], egress: [{}] }).types).toEqual(["Ingress", "Egress"]);
  });

  it("an egress rule with a named port and no peer opens that port on every pod that serves it", () => {
    const p = policy("y", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "serve-80-tcp" }] }] });
    expect(table([p], 80)).toEqual(expected(() => false));
    expect(table([p], 81)).toEqual(expected((f) => is(f, "y/a")));
  });

  it("says why: the policies that isolate each side, and the rule that allowed", () => {
    const p = policy("x", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "c" } } }] }, { from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] }, "web");
    const [xa, xb, xc] = PODS;
    expect(verdict([p], NS_LABELS, xb, xa, 80, "TCP")).toEqual({ allowed: true, egress: { isolated: false, policies: [] }, ingress: { isolated: true, policies: ["x/web"], allowedBy: { policy: "x/web", rule: 1 } } });
    expect(verdict([p], NS_LABELS, PODS[3], xa, 80, "TCP").allowed).toBe(false);
    expect(verdict([p], NS_LABELS, xa, xc, 80, "TCP").allowed).toBe(true);
  });
});

describe("NetworkPolicy: what the API server refuses", () => {
  const bad = (spec: Record<string, unknown>) => {
    const data = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "x" }, spec };
    const src = LabSource.fromObject(data, "policy.yaml");
    const problems: Problem[] = [];
    readPolicy({ data, at: (k) => ({ src, key: k }) }, { name: "p", ns: "x" }, problems);
    return problems.map((x) => `${x.key.join(".")}: ${x.message}`);
  };
  it("an except outside its cidr, endPort without or below a port or with a named one, an unknown policyType, a bad label", () => {
    expect(bad({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] } }] }] })).toEqual(["spec.egress.0.to.0.ipBlock.except.0: except 192.168.0.0/16 is not strictly inside cidr 10.0.0.0/8"]);
    expect(bad({ podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] })).toEqual(["spec.ingress.0.ports.0.endPort: endPort needs a port"]);
    expect(bad({ podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] })).toEqual(["spec.ingress.0.ports.0.endPort: endPort 80 must be a port number at or above port 90"]);
    expect(bad({ podSelector: {}, ingress: [{ ports: [{ port: "http", endPort: 80 }] }] })).toEqual(["spec.ingress.0.ports.0.endPort: endPort goes with a numeric port, not a named one"]);
    expect(bad({ podSelector: {}, policyTypes: ["Ingres"] })).toEqual(['spec.policyTypes.0: policyTypes: "Ingres" is neither Ingress nor Egress']);
    expect(bad({ podSelector: { matchLabels: { "bad key!": "x" } } })).toEqual(['spec.podSelector.matchLabels.bad key!: "bad key!" is not a label key']);
    expect(bad({ podSelector: { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] } })).toEqual(["spec.podSelector.matchExpressions.0.values: operator Exists takes no values"]);
    expect(bad({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.0.0.0/8"] } }] }] })).toEqual(["spec.egress.0.to.0.ipBlock.except.0: except 10.0.0.0/8 is not strictly inside cidr 10.0.0.0/8"]);
    expect(bad({ podSelector: {}, ingress: [{ ports: [{ port: "80" }, { port: "a--b" }] }] })).toEqual(['spec.ingress.0.ports.0.port: port "80" is neither a port number nor a port\'s name', 'spec.ingress.0.ports.1.port: port "a--b" is neither a port number nor a port\'s name']);
     // The hint says what a name may be (a student's "HTTP", "http-port-too-long-name").
    const hints = (spec: Record<string, unknown>) => {
      const data = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "x" }, spec };
      const problems: Problem[] = [];
      readPolicy({ data, at: (k) => ({ src: LabSource.fromObject(data, "policy.yaml"), key: k }) }, { name: "p", ns: "x" }, problems);
      return problems.map((p) => p.hint);
    };
    expect(hints({ podSelector: {}, ingress: [{ ports: [{ port: "HTTP" }, { port: "80" }] }] })).toEqual([expect.stringMatching(/^a port's name is at most 15 characters: lowercase letters, digits and '-', at least one letter/), "a number: port: 80, without quotes"]);
  });

  it("label values in selectors, found by a new-user trial: a number is no string; an expression's values are label values too", () => {
    expect(bad({ podSelector: { matchLabels: { version: 2 } } })).toEqual(["spec.podSelector.matchLabels.version: label value 2 is not a string"]);
    expect(bad({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator: "In", values: ["Not Valid", 3] }] } }] }] })).toEqual([
      'spec.ingress.0.from.0.namespaceSelector.matchExpressions.0.values.0: "Not Valid" is not a label value',
      "spec.ingress.0.from.0.namespaceSelector.matchExpressions.0.values.1: label value 3 is not a string",
    ]);
  });

  it("kubernetes.io/metadata.name is always the namespace's own name: a manifest cannot give dev monitoring's", () => {
    const p = policy("x", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "y" } } }] }] });
    const spoof = new Map([["z", { "kubernetes.io/metadata.name": "y" }]]);
    const [xa, ya, za] = ["x/a", "y/a", "z/a"].map((n) => PODS.find((q) => q.node === n)!);
    expect([verdict([p], spoof, za, xa, 80, "TCP").allowed, verdict([p], spoof, ya, xa, 80, "TCP").allowed]).toEqual([false, true]);
  });
});

describe("NetworkPolicy compiled as kube-router compiles it", () => {
  const lab = labFromText(`name: np
kubernetes:
  nodes: [node1, node2]
  manifests:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: { name: backend }
      spec:
        replicas: 2
        selector: { matchLabels: { tier: backend } }
        template: { metadata: { labels: { tier: backend } }, spec: { containers: [{ name: b, image: x, ports: [{ name: http, containerPort: 8080 }] }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: front, labels: { tier: frontend } }, spec: { nodeName: node1, containers: [{ name: f, image: x, command: [sleep, "9"] }] } }
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: { name: backend-from-frontend }
      spec:
        podSelector: { matchLabels: { tier: backend } }
        ingress: [{ from: [{ podSelector: { matchLabels: { tier: frontend } } }], ports: [{ port: http }] }]
`, "np.yaml");
  const script = renderPlan(compile(lab, { stateDir: "/run/netlab/np" }), "t");
  const at = script.indexOf("np-node1 iptables-restore");
  const node1 = script.slice(at, script.indexOf("np-node2 i", at));

  it("a chain per selected local pod, entered for traffic to and from it (routed and bridged), REJECT for what no rule marked", () => {
    const fw = chainFor("KUBE-POD-FW-", "default/backend-0");
    expect(node1).toContain(`-A KUBE-ROUTER-FORWARD -d 10.244.1.3/32 -m comment --comment "rule to jump traffic destined to POD name:backend-0 namespace: default to chain ${fw}" -j ${fw}`);
    expect(node1).toContain(`-A KUBE-ROUTER-FORWARD -m physdev --physdev-is-bridged -d 10.244.1.3/32`);
    expect(node1).toContain(`-A ${fw} -m mark ! --mark 0x10000/0x10000 -m comment --comment "rule to REJECT traffic destined for POD name:backend-0 namespace: default" -j REJECT --reject-with icmp-port-unreachable`);
    // No policy selects front: it has no chain; its egress is free.
    expect(node1).not.toContain(chainFor("KUBE-POD-FW-", "default/front"));
  });

  it("the policy's chain: frontend pods (an ipset) to the backend pods (an ipset), the named port resolved on each backend pod", () => {
    const pol = chainFor("KUBE-NWPLCY-", "default/backend-from-frontend");
    const dst = chainFor("KUBE-DST-", "default/backend-from-frontend");
    const src = chainFor("KUBE-SRC-", "default/backend-from-frontend|ingress|0|pods");
    expect(node1).toMatch(new RegExp(`-A ${pol} -m set --match-set ${dst} dst -m set --match-set ${src} src -d 10\\.244\\.1\\.3/32 -p tcp -m tcp --dport 8080 .*-j MARK --set-xmark 0x10000/0x10000`));
    expect(script).toContain(`add ${src} 10.244.1.4`); // front, on node1 after the DNS pod and backend-0
    expect(script).toContain(`add ${dst} 10.244.2.2`); // backend-1, on node2
  });

  it("netlab get networkpolicies: kubectl's NAME and POD-SELECTOR", () => {
    expect(getTable(lab.kube!, "networkpolicies", { ns: "default", wide: false }, { running: new Set(), age: "1m" }, new Map())).toEqual({ head: ["NAME", "POD-SELECTOR", "AGE"], rows: [["backend-from-frontend", "tier=backend", "1m"]] });
  });

  it("the matrix as the e2e tests print it, a cell the probe got otherwise in brackets, and listed", () => {
    const m = { port: 80, proto: "TCP", pods: ["a", "b"], got: [[".", "."], ["X", "."]], want: [[".", "X"], ["X", "."]] };
    expect(renderMatrix(m)).toBe("80/TCP  1  2\na       . [.]\nb       X  .\ncolumns (to): 1 a, 2 b");
    expect(differences(m)).toEqual(["a → b 80/TCP: the policies say X, the probe got ."]);
  });

  it("a matrix check: its pods known, its table square of . X -, no from", () => {
    const ok = labFromText(`name: mx\nnodes:\n  a: {}\n  b: {}\nchecks:\n  - matrix: { port: 8080, pods: [a, b], expect: ". X\\nX ." }\n`, "mx.yaml");
    expect(ok.checks[0]).toMatchObject({ kind: "matrix", target: "8080/TCP", matrix: { pods: ["a", "b"], expect: [[".", "X"], ["X", "."]] } });
    const bad = (m: string) => {
      try {
        labFromText(`name: mx\nnodes:\n  a: {}\n  b: {}\nchecks:\n  - ${m}\n`, "mx.yaml");
        return [];
      } catch (e) {
        return (e as { problems: { message: string }[] }).problems.map((p) => p.message);
      }
    };
    expect(bad('matrix: { port: 80, pods: [a, c], expect: ". X\\nX ." }')).toEqual(['no pod named "c"']);
    expect(bad('matrix: { port: 80, pods: [a, b], expect: ". X ." }')).toEqual(["expect must have 2 rows of 2 cells (a row per pod, from; a cell per pod, to)"]);
    expect(bad('{ from: a, matrix: { port: 80, pods: [a, b], expect: ". ?\\n. ." } }')).toEqual(["a cell is . (connected), X (blocked) or - (not checked)", "a matrix check has no from: every pod it lists probes every other"]);
    expect(bad("ping: a")).toEqual(["is required"]);
  });
});


describe("NetworkPolicy: what a new-user trial found the planner refusing or failing on", () => {
  const lab = labFromText(`name: np6
kubernetes:
  nodes: [node1]
  manifests:
    - { apiVersion: v1, kind: Pod, metadata: { name: web, labels: { app: web } }, spec: { containers: [{ name: w, image: x, ports: [{ containerPort: 80 }] }] } }
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: { name: allow.v6.and.v4 }
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress: [{ to: [{ ipBlock: { cidr: "fd00::/8", except: ["fd00::1/128"] } }, { ipBlock: { cidr: 10.0.0.0/8 } }] }]
`, "np6.yaml");
  const script = renderPlan(compile(lab, { stateDir: "/run/netlab/np6" }), "t");

  it("a policy's name is a DNS subdomain, as the API server takes it (dots allowed)", () => {
    expect(lab.kube!.policies!.map((p) => p.name)).toEqual(["allow.v6.and.v4"]);
  });

  it("an IPv6 ipBlock matches nothing of an IPv4 cluster: no set for it (an inet set cannot hold it), the IPv4 block's kept", () => {
    expect(script).not.toContain("fd00");
    expect(script).toMatch(/add KUBE-DST-\w+ 10\.0\.0\.0\/8/);
  });

  it("a pod's or namespace's label value is a string: a YAML number is refused at its line, as the API server refuses it", () => {
    const text = "name: nl\nkubernetes:\n  nodes: [node1]\n  manifests:\n    - { apiVersion: v1, kind: Namespace, metadata: { name: shop, labels: { tier: 1 } } }\n";
    expect(() => labFromText(text, "nl.yaml")).toThrow(/nl\.yaml:5:\d+: .*label value 1 is not a string/);
  });

  it("get --show-labels: a pod's labels, and a namespace's with kubernetes.io/metadata.name (what a namespaceSelector sees)", () => {
    const live = { running: new Set<string>(), age: "1m" };
    expect(getTable(lab.kube!, "pods", { ns: "default", wide: false, labels: true }, live, new Map()).rows.map((r) => r.at(-1))).toEqual(["app=web"]);
    expect(getTable(lab.kube!, "namespaces", { ns: null, wide: false, labels: true }, live, new Map()).rows[0]).toEqual(["default", "Active", "1m", "kubernetes.io/metadata.name=default"]);
  });

  it("chain and set names cannot collide across policies: shop/block-metadata's egress is not sho/pblock-metadataegress's ingress", () => {
    expect(chainFor("KUBE-NWPLCY-", "shop/block-metadata|egress")).not.toBe(chainFor("KUBE-NWPLCY-", "sho/pblock-metadataegress"));
    const two = labFromText(`name: nc
kubernetes:
  nodes: [node1]
  manifests:
    - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }
    - { apiVersion: v1, kind: Namespace, metadata: { name: sho } }
    - { apiVersion: v1, kind: Pod, metadata: { name: web, namespace: shop }, spec: { containers: [{ name: w, image: x, ports: [{ containerPort: 80 }] }] } }
    - { apiVersion: v1, kind: Pod, metadata: { name: db, namespace: sho }, spec: { containers: [{ name: d, image: x, ports: [{ containerPort: 80 }] }] } }
    - { apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: { name: block-metadata, namespace: shop }, spec: { podSelector: {}, policyTypes: [Egress], egress: [{}] } }
    - { apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: { name: pblock-metadataegress, namespace: sho }, spec: { podSelector: {}, ingress: [] } }
`, "nc.yaml");
    const text = renderPlan(compile(two, { stateDir: "/run/netlab/nc" }), "t");
    const chains = [...text.matchAll(/^:(KUBE-NWPLCY-\w+)/gm)].map((m) => m[1]).filter((c) => !/COMMON|DEFAULT|TAIL/.test(c));
    expect(new Set(chains).size).toBe(chains.length);
    expect(chains.length).toBe(2);
  });

  it("explain blames an except only where the rule would allow the port: otherwise the port is why (a review found it)", () => {
    const p = policy("x", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }], ports: [{ port: 443 }] }] });
    const xa = PODS.find((q) => q.node === "x/a")!;
    const meta = { ip: "169.254.169.254" };
    expect([verdict([p], NS_LABELS, xa, meta, 80, "TCP").egress.excepted, verdict([p], NS_LABELS, xa, meta, 443, "TCP").egress.excepted]).toEqual([undefined, { policy: "x/p", rule: 0, except: "169.254.169.254/32" }]);
  });

  it("a NetworkPolicy name past 253 characters is refused as what it is, not as a pod name", () => {
    const long = "a".repeat(300);
    const text = `name: nl\nkubernetes:\n  nodes: [node1]\n  manifests:\n    - { apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: { name: ${long} }, spec: { podSelector: {} } }\n`;
    expect(() => labFromText(text, "nl.yaml")).toThrow(/is not a DNS subdomain of at most 253 characters/);
  });
});
