// netlab's benchmark (not part of the pass/fail tests): netlab against the floor (the
// same kernel objects from a plain `ip -batch` script), the naive way (one `ip` command
// per step, as the seed tutorials do), and Mininet. Everything runs inside a sandbox
// network namespace and is removed afterwards. Run it as root: sudo scripts/bench
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const NETLAB = join(ROOT, "bin/netlab");
const { labFromText } = await import(join(ROOT, "dist/lab/load.js"));
const { compile } = await import(join(ROOT, "dist/plan/compile.js"));
const { renderOp } = await import(join(ROOT, "dist/runtime/ops/index.js"));

const env = (k, d) => process.env[k] ?? d;
const SIZES = env("BENCH_SIZES", "10,100,300,1000").split(",").map(Number);
const SHAPES = env("BENCH_SHAPES", "star,chain,mesh").split(",");
const NAIVE_MAX = Number(env("BENCH_NAIVE_MAX", "300")); // naive above this only for the star
const MININET = env("BENCH_MININET", "1") !== "0" && spawnSync("sh", ["-c", "command -v mn"]).status === 0;
const SB = "nlbench";
// Its labs and sandbox have fixed names: a second bench at once would clash with the first (and its cleanup remove the first's).
if (existsSync(`/run/netns/${SB}`)) {
  console.error(`bench: namespace ${SB} exists: another scripts/bench is running (or one was killed: ip netns delete ${SB})`);
  process.exit(3);
}
const dir = mkdtempSync(join(tmpdir(), "netlab-bench-"));

if (process.getuid() !== 0) {
  console.error("scripts/bench needs root: it builds labs for real (sudo scripts/bench)");
  process.exit(3);
}

// ---------- labs
function subnet30(base, i) {
  return `10.${base + (i >> 6)}.${(i & 63) << 2}.0/30`;
}
const addrOf = (base, i, host) => `10.${base + (i >> 6)}.${(i & 63) << 2}.${host}`;

/** [start, end) of IPv4 addresses as the fewest prefixes. */
function rangeToPrefixes(start, end) {
  const out = [];
  while (start < end) {
    let len = 32;
    while (len > 0) {
      const size = 2 ** (32 - (len - 1));
      if (start % size !== 0 || start + size > end) break;
      len--;
    }
    out.push(`${[24, 16, 8, 0].map((s) => (start >>> s) & 255).join(".")}/${len}`);
    start += 2 ** (32 - len);
  }
  return out;
}
const ip2n = (a) => a.split(".").reduce((x, o) => x * 256 + Number(o), 0);

const labName = (shape, n) => `b-${shape === "overlay" ? "ov" : shape}-${n}`; // at most 12 characters
function labYaml(shape, n) {
  const name = labName(shape, n);
  let y = `name: ${name}\n`;
  if (shape === "star") {
    y += "networks:\n  lan: { subnet: 10.128.0.0/16 }\nnodes:\n";
    for (let i = 0; i < n; i++) y += `  n${i}: { networks: [lan] }\n`;
  } else if (shape === "chain") {
    // r0 – r1 – … – rN-1: default route to the right, the links on the left summarised into prefixes.
    y += "nodes:\n";
    for (let i = 0; i < n; i++) {
      const routes = [];
      if (i < n - 1) routes.push(`"default via ${addrOf(64, i, 2)}"`);
      if (i > 1) for (const p of rangeToPrefixes(ip2n(addrOf(64, 0, 0)), ip2n(addrOf(64, i - 1, 0)))) routes.push(`"${p} via ${addrOf(64, i - 1, 1)}"`);
      y += `  r${i}: { forward: true, routes: [${routes.join(", ")}] }\n`;
    }
    y += "links:\n";
    for (let i = 0; i < n - 1; i++) y += `  - { endpoints: ["r${i}:eth1", "r${i + 1}:eth0"], subnet: ${subnet30(64, i)} }\n`;
  } else if (shape === "overlay") {
    // H virtual hosts (10, or fewer for tiny N) × N/H nodes each, all on one VXLAN network.
    const h = Math.min(10, Math.max(2, Math.floor(n / 2)));
    y += "hosts:\n";
    for (let i = 0; i < h; i++) y += `  vm${i}: {}\n`;
    y += "networks:\n  ov: { kind: vxlan, vni: 100, subnet: 10.128.0.0/16 }\nnodes:\n";
    for (let i = 0; i < n; i++) y += `  n${i}: { host: vm${i % h}, networks: [ov] }\n`;
  } else {
    y += "nodes:\n";
    for (let i = 0; i < n; i++) y += `  m${i}: {}\n`;
    y += "links:\n";
    for (let k = 0; k < Math.floor(n / 2); k++) y += `  - { endpoints: ["m${2 * k}:eth0", "m${2 * k + 1}:eth0"], subnet: ${subnet30(96, k)} }\n`;
  }
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, y);
  return { name, file, yaml: y };
}

/** N nodes on one bridge, each with a firewall (rule-bearing nodes), n0 publishing a port: apply's benchmark lab. */
function applyYaml(n, { allow = {}, publish = ['"8080:80"'], extra = 0 } = {}) {
  let y = "name: bench-apply\nnetworks:\n  lan: { subnet: 10.128.0.0/16, nat: true }\nnodes:\n";
  for (let i = 0; i < n + extra; i++) {
    const pub = i === 0 ? `, publish: [${publish.join(", ")}]` : "";
    y += `  n${i}: { networks: [lan], firewall: { input: drop, allow: [${allow[i] ?? '"tcp/80"'}] }${pub} }\n`;
  }
  const file = join(dir, "bench-apply.yaml");
  writeFileSync(file, y);
  return file;
}

/** apply's costs (issue 20): unchanged, one node's rule, one published port, on an N-node lab that is up. */
function applyBench(n) {
  const res = { n };
  res.up = netlab(`up ${applyYaml(n)}`, join(dir, "rss")).s;
  res.unchanged = netlab(`apply ${applyYaml(n)}`, join(dir, "rss")).s;
  const allow = { [Math.floor(n / 2)]: '"tcp/80", "tcp/81"' };
  const publish = ['"8080:80"', '"9090:80"'];
  res.rule = netlab(`apply ${applyYaml(n, { allow })}`, join(dir, "rss")).s;
  res.publish = netlab(`apply ${applyYaml(n, { allow, publish })}`, join(dir, "rss")).s;
  // One node more (with its firewall), then that node removed again: each edit alone, three times (the median).
  const adds = [], removes = [];
  for (let k = 0; k < 3; k++) {
    adds.push(netlab(`apply ${applyYaml(n, { allow, publish, extra: 1 })}`, join(dir, "rss")).s);
    removes.push(netlab(`apply ${applyYaml(n, { allow, publish })}`, join(dir, "rss")).s);
  }
  [res.addNode, res.removeNode, res.adds] = [median(adds), median(removes), adds];
  res.down = netlab("down bench-apply", join(dir, "rss")).s;
  // The issue's own case: one node added to a star of N (one bridge, no firewalls), three times.
  const star = labYaml("star", n);
  const more = () => ({ ...star, file: star.file.replace(/\.yaml$/, "-more.yaml") });
  writeFileSync(more().file, `${star.yaml}  n${n}: { networks: [lan] }\n`);
  netlab(`up ${star.file}`, join(dir, "rss"));
  res.starAdds = [];
  for (let k = 0; k < 3; k++) {
    res.starAdds.push(netlab(`apply ${more().file}`, join(dir, "rss")).s);
    netlab(`apply ${star.file}`, join(dir, "rss"));
  }
  netlab(`down ${star.name}`, join(dir, "rss"));
  return res;
}

// ---------- running things
function sh(cmd, opts = {}) {
  const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  // Ctrl-C reaches the child too; this script is synchronous, so stop here and let `finally` clean up.
  if (r.signal === "SIGINT" || r.status === 130) throw new Error("interrupted");
  if (r.status !== 0 && !opts.allowFail) throw new Error(`failed: ${cmd.slice(0, 200)}\n${r.stderr}`);
  return r;
}
/**
 * Wall time of cmd, read by the shell that runs it ($EPOCHREALTIME, no fork): forking this
 * harness, whose memory grows over a run, would otherwise add tens of milliseconds to every
 * figure, and more to the later ones.
 */
function timed(cmd, opts) {
  const r = sh(`__s=$EPOCHREALTIME; ${cmd}; __rc=$?; echo "@@bench $__s $EPOCHREALTIME" >&2; exit $__rc`, opts);
  const [, a, b] = /@@bench (\S+) (\S+)\s*$/.exec(r.stderr) ?? [];
  const num = (x) => Number(String(x).replace(",", ".")); // the locale may write a decimal comma
  return { s: num(b) - num(a), r };
}
const inSb = (cmd) => `ip netns exec ${SB} ${cmd}`;

/** The kernel frees deleted namespaces lazily; let it finish so one run does not pay for the last. */
function settle() {
  const count = () => {
    try {
      return Number(/^net_namespace\s+(\d+)/m.exec(readFileSync("/proc/slabinfo", "utf8"))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  // Wait while the count still falls (at most 10 s): some namespaces linger as long as the kernel pleases.
  // And at least 2 s: the kernel's teardown of the last run's namespaces keeps both cores busy a while.
  sh("sleep 2");
  let last = Infinity;
  let still = 0;
  for (let i = 0; i < 20; i++) {
    sh("ip netns add nlbench-kick && ip netns delete nlbench-kick", { allowFail: true });
    const c = count();
    if (c <= baseline + 5) return;
    still = c >= last ? still + 1 : 0;
    if (still >= 2) return;
    last = c;
    sh("sleep 0.5");
  }
}

function netlab(args, rssFile) {
  return timed(inSb(`env NETLAB_MAXRSS_FILE=${rssFile} ${NETLAB} ${args}`));
}

function script(lines) {
  const f = join(dir, `s${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

/** The plan's kernel work (ip batches and sysctls), without netlab: the floor, and the naive one-command-per-step way. */
function plainScripts(lab) {
  const plan = compile(labFromText(lab.yaml, lab.file), { stateDir: join(dir, "state") });
  const floor = [];
  const naive = [];
  // The floor: the very commands netlab runs, one process per namespace (a router's shell
  // writes ip_forward, then becomes `ip -batch`), in one plain script. Naive: one command per step.
  const naiveSysctl = (ns, values) => {
    const kv = Object.entries(values).map(([k, v]) => `${k}=${v}`).join(" ");
    naive.push(`${ns ? `ip netns exec ${ns} ` : ""}sysctl -q -w ${kv}`);
  };
  for (const phase of plan.phases)
    for (const step of phase.steps)
      for (const op of step.ops) {
        if (op.op === "ip") {
          floor.push(renderOp(op));
          for (const l of op.lines) naive.push(op.ns ? `ip netns exec ${op.ns} ip ${l}` : `ip ${l}`);
          if (op.sysctls) naiveSysctl(op.ns, op.sysctls);
        } else if (op.op === "sysctl") {
          floor.push(renderOp(op));
          naiveSysctl(op.ns, op.values);
        } else if (op.op === "bridge") {
          floor.push(renderOp(op));
          for (const l of op.lines) naive.push(`ip netns exec ${op.ns} bridge ${l}`);
        }
      }
  const namespaces = [...new Set(plan.phases[0].steps.flatMap((s) => s.ops.flatMap((o) => o.lines ?? [])).map((l) => l.split(" ")[2]))];
  // The host-side bridges the plan makes (the star's lan, the overlay's underlay), by the names it gave them.
  const bridges = plan.phases[1].steps.flatMap((s) => s.ops.flatMap((o) => (o.op === "ip" ? o.lines : []))).filter((l) => / type bridge$/.test(l)).map((l) => l.split(" ")[2]);
  const waitGone = `while ip -o link show | grep -q '${lab.name.slice(0, 8)}'; do sleep 0.02; done`;
  const floorDown = [`ip -force -batch - <<'EOF'\n${[...namespaces.map((n) => `netns delete ${n}`), ...bridges.map((b) => `link delete ${b}`)].join("\n")}\nEOF`, waitGone];
  const naiveDown = [...namespaces.map((n) => `ip netns delete ${n}`), ...bridges.map((b) => `ip link delete ${b}`), waitGone];
  return { floor: script(["set -e", ...floor]), floorDown: script(floorDown), naive: script(["set -e", ...naive]), naiveDown: script(naiveDown) };
}

const baselineText = readFileSync("/proc/slabinfo", "utf8");
const baseline = Number(/^net_namespace\s+(\d+)/m.exec(baselineText)?.[1] ?? 0);

function cleanupAll() {
  for (const shape of SHAPES) for (const n of SIZES) sh(inSb(`${NETLAB} down ${labName(shape, n)}`), { allowFail: true });
  sh(inSb(`${NETLAB} down bench-apply`), { allowFail: true });
  sh(inSb(`${NETLAB} down ${labName("star", Number(env("BENCH_APPLY_N", "1000")))}`), { allowFail: true });
  for (let i = 0; i < 5; i++) sh(inSb(`${NETLAB} down bench-status${i}`), { allowFail: true });
  sh(`ip netns delete ${SB}`, { allowFail: true });
  rmSync(dir, { recursive: true, force: true });
}

// ---------- the runs
const started = Date.now();
sh(`ip netns add ${SB} && ip -n ${SB} link set lo up`);
const rows = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x === undefined ? "—" : x < 10 ? x.toFixed(2) : x.toFixed(1));
const log = (m) => process.stderr.write(`bench: ${m}\n`);
try {
  if (env("BENCH_ONLY", "") === "apply") {
    // Only apply's figures: BENCH_ONLY=apply BENCH_APPLY_N=1000 sudo scripts/bench
    const a = applyBench(Number(env("BENCH_APPLY_N", "1000")));
    cleanupAll();
    console.log(`apply, ${a.n} nodes with firewalls: up ${fmt(a.up)} s; unchanged apply ${fmt(a.unchanged)} s; one node's rule ${fmt(a.rule)} s; one published port ${fmt(a.publish)} s; one more node ${fmt(a.addNode)} s (${a.adds.map(fmt).join(", ")}); that node removed ${fmt(a.removeNode)} s; down ${fmt(a.down)} s`);
    console.log(`apply, star of ${a.n} (no firewalls): one more node ${fmt(median(a.starAdds))} s (${a.starAdds.map(fmt).join(", ")})`);
    process.exit(0);
  }
  // Warm the page cache (node, netlab's modules, ip, Mininet) so that the first row pays no more than the others.
  sh(`${NETLAB} --version`);
  if (MININET) sh("mn --version", { allowFail: true });
  for (const shape of SHAPES)
    for (const n of SIZES) {
      const lab = labYaml(shape, n);
      const row = { shape, n };
      const rss = join(dir, `${lab.name}.rss`);
      // One run on a 2-core VM swings by a quarter: up to 300 nodes, the median of three.
      const reps = n <= 300 ? 3 : 1;
      const ups = [], noops = [], downs = [], fUps = [], fDowns = [], nUps = [], nDowns = [];
      const scripts = plainScripts(lab);
      for (let k = 0; k < reps; k++) {
        settle();
        ups.push(netlab(`up ${lab.file}`, rss).s);
        // A no-op is cheap: three of them even where up runs once (the first right after up, as before).
        for (let j = 0; j < (reps === 1 ? 3 : 1); j++) noops.push(netlab(`up ${lab.file}`, rss).s);
        downs.push(netlab(`down ${lab.name}`, rss).s);
        settle();
        fUps.push(timed(inSb(`bash ${scripts.floor}`)).s);
        fDowns.push(timed(inSb(`bash ${scripts.floorDown}`)).s);
      }
      if (n <= NAIVE_MAX || shape === "star") {
        for (let k = 0; k < (n <= 100 ? reps : 1); k++) {
          settle();
          nUps.push(timed(inSb(`bash ${scripts.naive}`)).s);
          nDowns.push(timed(inSb(`bash ${scripts.naiveDown}`)).s);
        }
        row.naiveUp = median(nUps);
        row.naiveDown = median(nDowns);
      }
      row.up = median(ups);
      row.noop = median(noops);
      row.down = median(downs);
      row.floorUp = median(fUps);
      row.floorDown = median(fDowns);
      row.rssMB = Math.max(...readFileSync(rss, "utf8").trim().split("\n").map(Number)) / 1024;
      if (MININET && shape === "star") {
        settle();
        row.mininet = timed(inSb(`mn --switch lxbr --controller none --topo single,${n} --test none`)).s;
      }
      rows.push(row);
      log(`${shape} ${n}: up ${fmt(row.up)}s down ${fmt(row.down)}s floor ${fmt(row.floorUp + row.floorDown)}s${row.naiveUp ? ` naive ${fmt(row.naiveUp + row.naiveDown)}s` : ""}${row.mininet ? ` mininet ${fmt(row.mininet)}s` : ""} (${Math.round((Date.now() - started) / 1000)}s so far)`);
    }

  // pingall: netlab at 100 nodes on one bridge (9,900 pairs), and side by side with Mininet at a
  // size its pingall finishes in the time budget (Mininet needed ~710 s for 100 nodes on this machine;
  // BENCH_MININET_PINGALL=100 measures that too).
  const pa = [];
  const mnPingN = Number(env("BENCH_MININET_PINGALL", "30"));
  const runs = [...new Set([mnPingN, 100])].filter((x) => x > 1).sort((a, b) => a - b).map((n) => ({ n, shape: "star" }));
  // Across hosts: 10 virtual hosts × 10 nodes on one VXLAN network.
  if (SHAPES.includes("overlay")) runs.push({ n: 100, shape: "overlay" });
  for (const { n, shape } of runs) {
    const row = { n, shape };
    const lab = labYaml(shape, n);
    settle();
    sh(inSb(`${NETLAB} up ${lab.file}`));
    const t = timed(inSb(`${NETLAB} test ${lab.name} --pingall --json`), { allowFail: true });
    row.netlab = t.s;
    const res = JSON.parse(t.r.stdout);
    row.pairs = `${res.reachable}/${res.pairs}`;
    sh(inSb(`${NETLAB} down ${lab.name}`));
    if (MININET && n === mnPingN && shape === "star") {
      settle();
      const none = timed(inSb(`mn --switch lxbr --controller none --topo single,${n} --test none`)).s;
      settle();
      const all = timed(inSb(`mn --switch lxbr --controller none --topo single,${n} --test pingall`));
      row.mininetTotal = all.s;
      row.mininet = all.s - none;
      row.mininetResult = /Results: (.*)/.exec(all.r.stdout + all.r.stderr)?.[1];
    }
    pa.push(row);
    log(`pingall ${shape} ${n}: netlab ${fmt(row.netlab)}s${row.mininet !== undefined ? ` mininet ${fmt(row.mininet)}s` : ""}`);
  }

  // start-up (issue 23): the median of 11 runs each, once the kernel is done with the labs above;
  // status with 5 small labs up (and read for what was removed by hand, as status does).
  settle();
  const med = (cmd) => median(Array.from({ length: 11 }, () => timed(`${cmd} >/dev/null`).s * 1000));
  const nodeMs = med("node -e 0");
  const versionMs = med(`${NETLAB} --version`);
  const validateMs = med(`${NETLAB} validate bridge-lab`);
  const five = Array.from({ length: 5 }, (_, i) => {
    const l = { name: `bench-status${i}`, file: join(dir, `bench-status${i}.yaml`) };
    writeFileSync(l.file, `name: ${l.name}\nnodes: { a: {}, b: {} }\nlinks:\n  - { endpoints: ["a:eth0", "b:eth0"], subnet: 10.250.${i}.0/30 }\n`);
    return l;
  });
  for (const l of five) sh(inSb(`${NETLAB} up ${l.file}`));
  const statusMs = med(inSb(`${NETLAB} status`));
  for (const l of five) sh(inSb(`${NETLAB} down ${l.name}`));

  // ---------- report
  const cpu = cpus()[0]?.model ?? "?";
  const kernel = sh("uname -r").stdout.trim();
  const out = [];
  out.push(`Machine: ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${kernel}, Node ${process.version}, ${sh("ip -V").stdout.trim()}${MININET ? `, Mininet ${sh("mn --version 2>&1").stdout.trim().split("\n").pop()}` : ""}`);
  out.push("");
  out.push("| shape | N | netlab up | netlab down | no-op up | peak MB | floor up+down | naive up+down | Mininet up+down | netlab ÷ floor | Mininet ÷ netlab | naive ÷ netlab |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const nl = r.up + r.down;
    const floor = r.floorUp + r.floorDown;
    const naive = r.naiveUp !== undefined ? r.naiveUp + r.naiveDown : undefined;
    out.push(`| ${r.shape} | ${r.n} | ${fmt(r.up)} s | ${fmt(r.down)} s | ${fmt(r.noop)} s | ${Math.round(r.rssMB)} | ${fmt(floor)} s | ${naive !== undefined ? `${fmt(naive)} s` : "—"} | ${r.mininet !== undefined ? `${fmt(r.mininet)} s` : "—"} | ${(nl / floor).toFixed(2)} | ${r.mininet !== undefined ? (r.mininet / nl).toFixed(1) : "—"} | ${naive !== undefined ? (naive / nl).toFixed(1) : "—"} |`);
  }
  out.push("");
  out.push("| pingall, N nodes | pairs | netlab test --pingall | Mininet --test pingall | Mininet ÷ netlab |");
  out.push("|---:|---:|---:|---:|---:|");
  for (const p of pa)
    out.push(`| ${p.shape === "overlay" ? `${p.n} (10 hosts × ${p.n / 10}, VXLAN)` : `${p.n} (star)`} | ${p.pairs} reachable | ${fmt(p.netlab)} s | ${p.mininet !== undefined ? `${fmt(p.mininet)} s (${p.mininetResult})` : "—"} | ${p.mininet !== undefined ? (p.mininet / p.netlab).toFixed(1) : "—"} |`);
  out.push("");
  out.push("| start-up (median of 11) | node -e 0 | netlab --version | validate bridge-lab | status, 5 labs up |");
  out.push("|---|---:|---:|---:|---:|");
  out.push(`| ms | ${nodeMs.toFixed(0)} | ${versionMs.toFixed(0)} | ${validateMs.toFixed(0)} | ${statusMs.toFixed(0)} |`);

  // Targets from the performance issue.
  const star300 = rows.find((r) => r.shape === "star" && r.n === 300);
  const big = rows.filter((r) => r.n === 1000);
  const checks = [];
  if (star300) {
    const nl = star300.up + star300.down;
    checks.push([`star 300 up+down within 1.5× the floor`, nl / (star300.floorUp + star300.floorDown) <= 1.5, `${(nl / (star300.floorUp + star300.floorDown)).toFixed(2)}×`]);
    if (star300.mininet !== undefined) checks.push([`star 300 at least 8× faster than Mininet`, star300.mininet / nl >= 8, `${(star300.mininet / nl).toFixed(1)}×`]);
  }
  for (const r of big) {
    if (r.shape === "overlay") {
      // 10 virtual hosts × 100 nodes on one VXLAN network.
      checks.push([`overlay 10×100 up ≤ 5 s`, r.up <= 5, `${fmt(r.up)} s`]);
      checks.push([`overlay 10×100 down ≤ 2 s`, r.down <= 2, `${fmt(r.down)} s`]);
      checks.push([`overlay 10×100 up+down within 1.5× the floor`, (r.up + r.down) / (r.floorUp + r.floorDown) <= 1.5, `${((r.up + r.down) / (r.floorUp + r.floorDown)).toFixed(2)}×`]);
      continue;
    }
    checks.push([`${r.shape} 1000 up ≤ 5 s`, r.up <= 5, `${fmt(r.up)} s`]);
    checks.push([`${r.shape} 1000 down ≤ 3 s`, r.down <= 3, `${fmt(r.down)} s`]);
    checks.push([`${r.shape} 1000 peak memory ≤ 200 MB`, r.rssMB <= 200, `${Math.round(r.rssMB)} MB`]);
    checks.push([`${r.shape} 1000 no-op up < 1 s`, r.noop < 1, `${fmt(r.noop)} s`]);
  }
  checks.push(["--version ≤ node -e 0 + 20 ms", versionMs <= nodeMs + 20, `${versionMs.toFixed(0)} ms (node ${nodeMs.toFixed(0)} ms)`]);
  checks.push(["validate of a shipped lab ≤ 100 ms", validateMs <= 100, `${validateMs.toFixed(0)} ms`]);
  checks.push(["status with 5 labs up ≤ 100 ms", statusMs <= 100, `${statusMs.toFixed(0)} ms`]);
  const star10 = rows.find((r) => r.shape === "star" && r.n === 10);
  if (star10) {
    checks.push(["star 10 up+down ≤ 2× the floor", (star10.up + star10.down) / (star10.floorUp + star10.floorDown) <= 2, `${((star10.up + star10.down) / (star10.floorUp + star10.floorDown)).toFixed(2)}×`]);
    checks.push(["no-op up ≤ 120 ms at 10 nodes", star10.noop <= 0.12, `${(star10.noop * 1000).toFixed(0)} ms`]);
  }
  const star1000 = rows.find((r) => r.shape === "star" && r.n === 1000);
  if (star1000) checks.push(["no-op up ≤ 250 ms at 1,000 nodes", star1000.noop <= 0.25, `${(star1000.noop * 1000).toFixed(0)} ms`]);
  out.push("");
  for (const [what, ok, val] of checks) out.push(`${ok ? "met " : "MISS"}  ${what}: ${val}`);
  out.push(`(bench took ${Math.round((Date.now() - started) / 1000)} s)`);
  console.log(out.join("\n"));
} finally {
  cleanupAll();
}
