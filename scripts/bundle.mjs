// dist/bundle/: the compiled CLI (dist/, from tsc) bundled with esbuild, its dependencies in,
// each command's module and what only it needs split into chunks of their own (the dynamic
// imports of cli/main.ts). Node loads a few files instead of ~250 ES modules, each resolved,
// read and linked on its own: docs/startup.md has the figures. Chunks sit two levels below the
// package, as every dist module does, so the paths they build from import.meta.url still hold.
import { build } from "esbuild";
import { rmSync } from "node:fs";

const out = new URL("../dist/bundle/", import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [new URL("../dist/cli/main.js", import.meta.url).pathname],
  outdir: out,
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
