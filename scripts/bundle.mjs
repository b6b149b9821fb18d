// The compiled CLI (dist/, from tsc) bundled with esbuild, its dependencies in, as two CommonJS
// files bin/netlab runs with the code V8 compiled for them on an earlier run (vm.Script's
// cachedData: Node 20 has no module compile cache):
// - dist/bundle/main.cjs, every command (a command's modules still run only when it is chosen:
//   esbuild keeps the dynamic imports of cli/main.ts lazy): Node reads one file instead of ~250
//   ES modules, each resolved, read and linked on its own;
// - dist/bundle/daemons.cjs, only the commands that serve for a lab's life (cli/daemons.ts:
//   the DNS server, netlab serve), which hold only their own code and start as fast as the CLI.
// docs/startup.md has the figures. Both sit two levels below the package, as every dist module
// does, so the paths they build from import.meta.url still hold.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";

const out = new URL("../dist/bundle/", import.meta.url).pathname;
// dist/daemons/: where an older build kept the daemons' ES module chunks.
for (const d of [out, new URL("../dist/daemons/", import.meta.url).pathname]) rmSync(d, { recursive: true, force: true });
// A failed build leaves no bundle (bin/netlab then runs tsc's modules), never a half-checked one.
const fail = (message) => {
  console.error(message);
  rmSync(out, { recursive: true, force: true });
  process.exit(1);
};
/** An esbuild plugin that bundles the file matching `filter` with the text `from` made `to`; without `from` there, the build fails. */
const rewrite = (name, filter, from, to) => ({
  name,
  setup(b) {
    b.onLoad({ filter }, ({ path }) => {
      const text = readFileSync(path, "utf8");
      if (!text.includes(from)) return fail(`bundle.mjs: ${path} no longer reads ${from} (plugin ${name})`);
      return { contents: text.replace(from, to), loader: "js" };
    });
  },
});
// commander loads node:child_process at its top, for executable subcommands netlab has none of:
// 2-3 ms of every command that starts no process (validate, --help). Loaded at its first use
// instead, whatever commander takes from it (a Proxy: not only the spawn it uses today).
const lazyChildProcess = rewrite("commander-lazy-child-process", /commander[\\/]lib[\\/]command\.js$/,
  "const childProcess = require('node:child_process');",
  "const childProcess = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });");
// The reference YAML parser (positions for errors, what js-yaml cannot read) is required at first
// use: bundled, so that an error costs no module lookups of its 73 files from node_modules.
const bundledYaml = rewrite("bundled-yaml", /dist[\\/]lab[\\/]yaml-read\.js$/, 'createRequire(import.meta.url)("yaml")', 'require("yaml")');
for (const entry of ["main", "daemons"])
  await build({
    // The daemons read no YAML: a process that lives as long as its lab holds no parser it never uses.
    plugins: entry === "main" ? [lazyChildProcess, bundledYaml] : [lazyChildProcess],
    entryPoints: [new URL(`../dist/cli/${entry}.js`, import.meta.url).pathname],
    outfile: `${out}${entry}.cjs`,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // import.meta.url of every module is the bundle's own: the same directory depth as dist/*/x.js.
    define: { "import.meta.url": "__netlabUrl" },
    banner: { js: "const __netlabUrl = require('node:url').pathToFileURL(__filename).href;" },
    // No comments or indentation (names kept, for profiles): 2.0 -> 1.5 MB for every command to read and
    // V8 to scan, and plain ASCII, which bin/netlab decodes as Latin-1 (4 ms faster than UTF-8).
    minifyWhitespace: true,
    charset: "ascii",
    logLevel: "warning",
  }).catch((e) => fail(`bundle.mjs: esbuild failed for ${entry}: ${e.message}`));
for (const entry of ["main", "daemons"]) {
  const file = `${out}${entry}.cjs`;
  // bin/netlab reads a bundle as Latin-1, the same text only while it is ASCII.
  if (/[^\x00-\x7f]/.test(readFileSync(file, "latin1"))) {
    fail(`bundle.mjs: ${file} is not plain ASCII (bin/netlab reads it as Latin-1)`);
  }
  // bin/netlab runs a bundle as a vm.Script, where a real import() has no loader: none may remain.
  const code = readFileSync(file, "utf8").split("\n").filter((l) => !l.trim().startsWith("//"));
  const left = code.find((l) => /(^|[^\w.$])import\(\s*["'`]/.test(l));
  if (left) {
    fail(`bundle.mjs: ${left.trim().slice(0, 200)}: an import() is left in ${file} (not bundled): import it statically, or bundle it`);
  }
  // The bundle's hash on its first line: bin/netlab keys its compiled-code cache (and a build's
  // identity, src/state/build.ts) by it without hashing 1.5 MB on every run.
  const text = readFileSync(file, "latin1");
  writeFileSync(file, `//netlab-bundle ${createHash("sha256").update(text).digest("hex").slice(0, 16)}\n${text}`, "latin1");
}
