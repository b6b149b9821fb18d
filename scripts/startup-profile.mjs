// Where a command's start-up goes (issue 23; docs/startup.md has a run's figures): each command
// run 11 times for its median wall time, from tsc's modules (NETLAB_BUNDLE=0) and from the bundle,
// then once under --cpu-prof, its samples put in four heaps: Node's own start (bootstrap, builtins),
// loading netlab's modules (resolve, read, compile, link), running their top level (zod building
// its schemas), and the command's own work. No root needed: the commands touch nothing.
//   node scripts/startup-profile.mjs
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const NETLAB = resolve(import.meta.dirname, "../bin/netlab");
const COMMANDS = [["--version"], ["validate", "bridge-lab"], ["validate", "k8s-service"], ["labs"], ["graph", "bridge-lab", "--format", "mermaid"], ["up", "bridge-lab", "--dry-run"]];

const wall = (argv, env = {}) => {
  const t = process.hrtime.bigint();
  spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: "ignore" });
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (f) => {
  const xs = Array.from({ length: 11 }, f).sort((a, b) => a - b);
  return xs[5];
};

/** Milliseconds of one profiled run in each heap. */
function heaps(args) {
  const dir = mkdtempSync(join(tmpdir(), "netlab-prof-"));
  spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "100", NETLAB, ...args], { stdio: "ignore" });
  const p = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), "utf8"));
  rmSync(dir, { recursive: true, force: true });
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map(p.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id])));
  const out = { node: 0, load: 0, top: 0, work: 0, idle: 0 };
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    // The innermost frame that says what this sample was for, walking out to the root.
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      if (f.functionName === "(idle)" || f.functionName === "(program)" || f.functionName === "(garbage collector)") return void (out.idle += dt);
      if (/esm\/(loader|translators|resolve|module_job|load|utils)/.test(f.url) || f.functionName === "compileSourceTextModule") return void (out.load += dt);
      // The one-file bundle: bin/netlab reading it and its cached code, V8 compiling or deserializing it.
      if ((f.url.endsWith("/bin/netlab") && f.functionName !== "") || (f.url === "node:vm" && f.functionName === "Script")) return void (out.load += dt);
      // A module's top level: an ES module's body, or esbuild's init wrapper named after the module's path.
      if (/\/(dist|node_modules)\//.test(f.url) && ((f.functionName === "" && f.lineNumber === 0) || /^(dist|node_modules)\/.*js$/.test(f.functionName))) return void (out.top += dt);
      if (/\/(dist|bin|node_modules)\//.test(f.url) && f.functionName !== "") return void (out.work += dt);
    }
    out.node += dt;
  });
  return out;
}

const rows = [["command", "modules (ms)", "bundle (ms)", "Node's start", "loading modules", "their top level", "the command", "GC, idle"], ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]];
const base = median(() => wall([process.execPath, "-e", "0"]));
for (const args of COMMANDS) {
  const plain = median(() => wall([NETLAB, ...args], { NETLAB_BUNDLE: "0" }));
  const bundled = median(() => wall([NETLAB, ...args]));
  const h = heaps(args);
  rows.push([`netlab ${args.join(" ")}`, plain, bundled, h.node, h.load, h.top, h.work, h.idle].map((x) => (typeof x === "number" ? x.toFixed(0) : x)));
}
console.log(`node -e 0: ${base.toFixed(0)} ms (Node ${process.version})\n`);
console.log(rows.map((r) => `| ${r.join(" | ")} |`).join("\n"));
