// The Kubernetes benchmark (issue 21; not part of `npm test`): run by scripts/bench-k8s as root,
// inside its own sandbox namespace, everything removed afterwards.
// 1. A cluster of 4 nodes, 200 pods (40 Deployments × 5) and 1,000 Services of 5 endpoints each:
//    `up` and `down` wall time, and how many iptables-restore runs each node got.
// 2. kube-proxy's iptables mode is O(n): the median time to open a TCP connection to a ClusterIP
//    whose rule is the last in KUBE-SERVICES, with 10, 1,000 and 5,000 Services in the table.
import { sh, timed } from "./bench-shell.mjs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const NETLAB = resolve(import.meta.dirname, "../bin/netlab");
const SB = "nlbench-k8s";
const dir = mkdtempSync(join(tmpdir(), "netlab-bench-k8s-"));
const env = (k, d) => process.env[k] ?? d;
const CONNECTS = Number(env("BENCH_K8S_CONNECTS", "300"));

const inSb = (cmd) => `ip netns exec ${SB} ${cmd}`;

/**
 * A cluster lab: `deployments` × `replicas` pods that sleep (a process each, no server: the
 * Services' numbered targetPorts make them endpoints all the same), `services` Services each
 * selecting one Deployment, and — for the connection test — a pod `target-ep` serving HTTP behind
 * the Service `zz-target`, written last so its rule is the last of KUBE-SERVICES.
 */
function clusterLab(name, { nodes = 4, deployments = 40, replicas = 5, services = 1000, target = false }) {
  const out = [`name: ${name}`, "kubernetes:", `  nodes: [${Array.from({ length: nodes }, (_, i) => `node${i + 1}`).join(", ")}]`, "  manifests:"];
  for (let d = 0; d < deployments; d++)
    out.push(`    - { apiVersion: apps/v1, kind: Deployment, metadata: { name: d${d} }, spec: { replicas: ${replicas}, selector: { matchLabels: { app: d${d} } }, template: { metadata: { labels: { app: d${d} } }, spec: { containers: [{ name: c, image: x, command: [sleep, infinity] }] } } } }`);
  for (let s = 0; s < services; s++) out.push(`    - { apiVersion: v1, kind: Service, metadata: { name: s${s} }, spec: { selector: { app: d${s % Math.max(1, deployments)} }, ports: [{ port: 80 }] } }`);
  if (target) {
    out.push("    - { apiVersion: v1, kind: Pod, metadata: { name: client }, spec: { nodeName: node1, containers: [{ name: c, image: x, command: [sleep, infinity] }] } }");
    out.push("    - { apiVersion: v1, kind: Service, metadata: { name: zz-target }, spec: { clusterIP: 10.96.255.254, selector: { app: none }, ports: [{ port: 80 }] } }");
    out.push("    - { apiVersion: v1, kind: Pod, metadata: { name: target-ep, labels: { app: none } }, spec: { nodeName: node2, containers: [{ name: t, image: x, ports: [{ containerPort: 80 }] }] } }");
  }
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, out.join("\n") + "\n");
  return f;
}

/** How many iptables-restore a node got while `up` ran: the journal's ops, counted from the plan. */
function restoresPerNode(lab) {
  const plan = sh(inSb(`${NETLAB} up --dry-run ${lab}`)).stdout;
  const node = (n) => (plan.match(new RegExp(`--net=/run/netns/[^ ]*-${n} iptables-restore`, "g")) ?? []).length;
  return ["node1", "node2", "node3", "node4"].map(node);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median TCP connect time (ms) from pod client to 10.96.255.254:80, `CONNECTS` new connections. */
function connectMs(name) {
  const loop = join(dir, "connect.sh");
  writeFileSync(loop, `for i in $(seq ${CONNECTS}); do curl -s -o /dev/null -m 2 -w '%{time_connect}\\n' http://10.96.255.254/; done\n`);
  const r = sh(inSb(`${NETLAB} exec ${name} client -- sh ${loop}`));
  const xs = r.stdout.split("\n").filter(Boolean).map(Number).filter((x) => x > 0);
  return { ms: median(xs) * 1000, n: xs.length };
}

try {
  sh(`ip netns add ${SB} && ip -n ${SB} link set lo up`);
  const big = clusterLab("bk8s", {});
  const restores = restoresPerNode(big);
  const up = timed(inSb(`${NETLAB} up ${big} >/dev/null`));
  const svcCount = sh(inSb(`${NETLAB} exec bk8s node1 -- sh -c "iptables-save -t nat | grep -c '^-A KUBE-SERVICES .*cluster IP'"`)).stdout.trim();
  const down = timed(inSb(`${NETLAB} down bk8s >/dev/null`));
  console.log("| cluster | up | down | iptables-restore per node | ClusterIP rules on a node |");
  console.log("|---|---|---|---|---|");
  console.log(`| 4 nodes, 200 pods, 1,000 Services × 5 endpoints | ${up.toFixed(2)} s | ${down.toFixed(2)} s | ${restores.join(", ")} | ${svcCount} |`);
  console.log("");
  console.log("| Services in the table | median TCP connect to the last ClusterIP | connections |");
  console.log("|---|---|---|");
  for (const n of env("BENCH_K8S_SERVICES", "10,1000,5000").split(",").map(Number)) {
    const f = clusterLab(`bconn${n}`, { nodes: 2, deployments: 2, replicas: 1, services: n, target: true });
    sh(inSb(`${NETLAB} up ${f} >/dev/null`));
    sh(inSb(`${NETLAB} exec bconn${n} client -- curl -s -m 2 -o /dev/null http://10.96.255.254/`), true); // the target listens
    const c = connectMs(`bconn${n}`);
    sh(inSb(`${NETLAB} down bconn${n} >/dev/null`));
    console.log(`| ${n.toLocaleString("en")} | ${c.ms.toFixed(3)} ms | ${c.n} |`);
  }
} finally {
  for (const l of ["bk8s", "bconn10", "bconn1000", "bconn5000"]) sh(inSb(`${NETLAB} down ${l} >/dev/null 2>&1`), true);
  sh(`ip netns delete ${SB}`, true);
  rmSync(dir, { recursive: true, force: true });
}
