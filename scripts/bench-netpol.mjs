// The NetworkPolicy benchmark (issue 22; not part of `npm test`): run by scripts/bench-k8s as
// root, inside its own sandbox namespace, everything removed afterwards.
// A cluster of 4 nodes and 500 pods (50 Deployments × 10 in 10 namespaces), then:
// 1. 100 policies applied at once to the running cluster (`netlab apply LAB -f`): compile and
//    apply time, and the policy rules and ipset entries on the nodes — at 25, 50 and 100 policies
//    too, to show they grow linearly;
// 2. one more policy applied live: its time;
// 3. `netlab test --matrix 80`: every pod probes every pod (249,500 probes).
// Each pod listens on 80 with a listener of a few MB (python3's socket: the benchmark's, not
// netlab's — 500 `netlab serve` processes would need ~20 GB).
import { sh, timed } from "./bench-shell.mjs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const NETLAB = resolve(import.meta.dirname, "../bin/netlab");
const SB = "nlbench-np";
const LAB = "bnetpol";
const dir = mkdtempSync(join(tmpdir(), "netlab-bench-netpol-"));
const NODES = 4;
const NS = 10;
const DEPLOYS = 50;
const REPLICAS = Number(process.env.BENCH_NETPOL_REPLICAS ?? "10");
const MATRIX = process.env.BENCH_NETPOL_MATRIX !== "0";
// BENCH_NETPOL_KEEP=1 leaves the cluster up (in namespace nlbench-np, lab bnetpol) to profile a live
// apply by hand; take it down with `ip netns exec nlbench-np netlab down bnetpol; ip netns del nlbench-np`.
const KEEP = process.env.BENCH_NETPOL_KEEP === "1";

const inSb = (cmd) => `ip netns exec ${SB} ${cmd}`;
const write = (name, text) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

const LISTEN = ["/usr/bin/python3", "-c", "import socket,os;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('',80));s.listen(4096);[s.accept()[0].close() for _ in iter(int,1)]"];

/** 50 Deployments d0…d49 in namespaces ns0…ns9 (d_n in ns n%10), labels app and tier; each pod listens on 80 (named http). */
function clusterLab() {
  const out = [`name: ${LAB}`, "kubernetes:", `  nodes: [${Array.from({ length: NODES }, (_, i) => `node${i + 1}`).join(", ")}]`, "  manifests:"];
  for (let n = 0; n < NS; n++) out.push(`    - { apiVersion: v1, kind: Namespace, metadata: { name: ns${n}, labels: { team: t${n} } } }`);
  for (let d = 0; d < DEPLOYS; d++) {
    const labels = `{ app: d${d}, tier: t${d % 5} }`;
    const cmd = `[${LISTEN.map((w) => JSON.stringify(w)).join(", ")}]`;
    out.push(`    - { apiVersion: apps/v1, kind: Deployment, metadata: { name: d${d}, namespace: ns${d % NS} }, spec: { replicas: ${REPLICAS}, selector: { matchLabels: { app: d${d} } }, template: { metadata: { labels: ${labels} }, spec: { containers: [{ name: c, image: x, command: ${cmd}, ports: [{ name: http, containerPort: 80 }] }] } } } }`);
  }
  return write(`${LAB}.yaml`, out.join("\n") + "\n");
}

/** Policy i of four shapes (in namespace i%10): pod peers on a port, namespace AND pod peers on a named port, egress to an ipBlock with except or any namespace on a range, ingress from namespaces by expression. */
function policy(i) {
  const ns = `ns${i % NS}`;
  const d = i % DEPLOYS;
  const specs = [
    `{ podSelector: { matchLabels: { app: d${d} } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: d${(d + 10) % DEPLOYS} } } }], ports: [{ port: 80 }] }] }`,
    `{ podSelector: { matchExpressions: [{ key: tier, operator: In, values: [t1, t2] }] }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: t${(i + 3) % NS} } }, podSelector: { matchLabels: { tier: t3 } } }], ports: [{ port: http }] }] }`,
    `{ podSelector: { matchLabels: { app: d${d} } }, policyTypes: [Egress], egress: [{ to: [{ ipBlock: { cidr: 10.244.0.0/16, except: [10.244.${(i % NODES) + 1}.0/24] } }, { namespaceSelector: {} }], ports: [{ port: 80, endPort: 90 }] }] }`,
    `{ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: team, operator: NotIn, values: [t${(i + 1) % NS}] }] } }] }] }`,
  ];
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p${i}, namespace: ${ns} }\nspec: ${specs[i % 4]}\n`;
}
const policies = (from, to) => write(`p${from}-${to}.yaml`, Array.from({ length: to - from }, (_, k) => policy(from + k)).join("---\n"));

/** Rules of the policy chains and ipset entries, summed over the nodes. */
function counts() {
  let rules = 0;
  let entries = 0;
  for (let n = 1; n <= NODES; n++) {
    const r = sh(inSb(`${NETLAB} exec ${LAB} node${n} -- sh -c "iptables-save -t filter | grep -c '^-A KUBE-\\(ROUTER\\|POD-FW\\|NWPLCY\\)'; ipset list | grep -cE '^[0-9]'"`), true).stdout.trim().split("\n");
    rules += Number(r[0] ?? 0);
    entries += Number(r[1] ?? 0);
  }
  return { rules, entries };
}

try {
  sh(`ip netns add ${SB} && ip -n ${SB} link set lo up`);
  const lab = clusterLab();
  const up = timed(inSb(`${NETLAB} up ${lab} >/dev/null`));
  const pods = DEPLOYS * REPLICAS;
  const rows = [["0", "-", counts()]];
  const all = timed(inSb(`${NETLAB} apply ${LAB} -f ${policies(0, 100)} >/dev/null`));
  const at100 = counts();
  sh(inSb(`${NETLAB} delete ${LAB} -f ${policies(50, 100)} >/dev/null`));
  const at50 = counts();
  sh(inSb(`${NETLAB} delete ${LAB} -f ${policies(25, 50)} >/dev/null`));
  rows.push(["25", "-", counts()], ["50", "-", at50], ["100", `${all.toFixed(2)} s`, at100]);
  sh(inSb(`${NETLAB} apply ${LAB} -f ${policies(25, 100)} >/dev/null`));
  const one = timed(inSb(`${NETLAB} apply ${LAB} -f ${policies(100, 101)} >/dev/null`));
  console.log(`A cluster of ${NODES} nodes, ${pods} pods in ${NS} namespaces: up in ${up.toFixed(2)} s.\n`);
  console.log("| policies | applied at once (compile + one iptables-restore per node) | policy rules on the nodes | more per policy | ipset entries | more per policy |");
  console.log("|---|---|---|---|---|---|");
  rows.forEach(([n, t, c], i) => {
    const [pn, , pc] = rows[i - 1] ?? rows[0];
    const per = (a, b) => (i ? ((a - b) / (Number(n) - Number(pn))).toFixed(0) : "-");
    console.log(`| ${n} | ${t} | ${c.rules} | ${per(c.rules, pc.rules)} | ${c.entries} | ${per(c.entries, pc.entries)} |`);
  });
  console.log(`\nOne more policy applied live to the cluster under 100: ${one.toFixed(2)} s.`);
  if (MATRIX) {
    const out = join(dir, "matrix.json");
    const m = timed(inSb(`${NETLAB} test ${LAB} --matrix 80 --json > ${out} || true`));
    sh(`cp ${out} /tmp/bench-matrix.json`);
    const j = JSON.parse(sh(`cat ${out}`).stdout);
    const t = j.tables[0];
    const cells = t.got.flat().length - t.pods.length;
    const allowed = t.got.flatMap((r, i) => r.filter((c, k) => k !== i && c === ".")).length;
    console.log(`The full matrix on 80/TCP: ${t.pods.length} × ${t.pods.length} (${cells} probes, ${allowed} connected) in ${m.toFixed(1)} s; ${j.differences.length} cells differ from the policies.`);
  }
} finally {
  if (KEEP) process.exit(console.log(`kept: the lab and policies are in ${dir}`) ?? 0);
  sh(inSb(`${NETLAB} down ${LAB} >/dev/null 2>&1`), true);
  sh(`ip netns delete ${SB}`, true);
  rmSync(dir, { recursive: true, force: true });
}
