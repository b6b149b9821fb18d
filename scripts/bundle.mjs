// The compiled CLI (dist/, from tsc) bundled with esbuild, its dependencies in, twice:
// - dist/bundle/main.cjs, one CommonJS file (a command's modules still run only when it is
//   chosen: esbuild keeps the dynamic imports of cli/main.ts lazy): Node reads one file instead
//   of ~250 ES modules, each resolved, read and linked on its own, and bin/netlab hands V8 the
//   code it compiled on an earlier run (vm.Script's cachedData: Node 20 has no module compile cache);
// - dist/daemons/, ES modules, a chunk per command and what only it needs: for the processes
//   that serve for a lab's life (netlab serve, the DNS server), which hold only their own code
//   (48 MB each, against 58 with the whole of main.cjs parsed).
// docs/startup.md has the figures. Both sit two levels below the package, as every dist module
// does, so the paths they build from import.meta.url still hold.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const out = new URL("../dist/bundle/", import.meta.url).pathname;
const daemons = new URL("../dist/daemons/", import.meta.url).pathname;
for (const d of [out, daemons]) rmSync(d, { recursive: true, force: true });
await build({
  entryPoints: [new URL("../dist/cli/main.js", import.meta.url).pathname],
  outfile: `${out}main.cjs`,
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
});
await build({
  entryPoints: [new URL("../dist/cli/main.js", import.meta.url).pathname],
  outdir: daemons,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "c-[hash]",
  // CommonJS dependencies (dns-packet) call require(): an ES module has none of its own.
  banner: { js: "import { createRequire as __netlabRequire } from 'node:module'; const require = __netlabRequire(import.meta.url);" },
  logLevel: "warning",
});
// bin/netlab reads the bundle as Latin-1, the same text only while it is ASCII.
if (/[^\x00-\x7f]/.test(readFileSync(`${out}main.cjs`, "latin1"))) {
  console.error("bundle.mjs: dist/bundle/main.cjs is not plain ASCII (bin/netlab reads it as Latin-1)");
  process.exit(1);
}
// bin/netlab runs the bundle as a vm.Script, where a real import() has no loader: none may remain.
const code = readFileSync(`${out}main.cjs`, "utf8").split("\n").filter((l) => !l.trim().startsWith("//"));
const left = code.find((l) => /(^|[^\w.$])import\(\s*["'`]/.test(l));
if (left) {
  console.error(`bundle.mjs: ${left.trim()}: an import() is left (not bundled): import it statically, or bundle it`);
  process.exit(1);
}
