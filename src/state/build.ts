// This netlab's build, for what a build records that another must not take (the plan of the
// version up, state/plan-cache.ts; what a lab was loaded from, lab/inputs.ts): ops, their ids
// and a lab's resolved form may differ in shape, under one version number too.
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";

let build: string | undefined;

/**
 * This build's code as exactly as can be told: the bundle's, as bin/netlab knows it (the hash
 * the build wrote on its first line, its size and mtime) and left in `__netlabBuild` — the YAML
 * parser included (scripts/bundle.mjs bundles it); else (tsc's modules, the sources) the version
 * and when the planner was built, with the version of the YAML parser those take from
 * node_modules at run time (lab/yaml-read.ts).
 */
export const BUILD = (): string => (build ??= (globalThis as { __netlabBuild?: string }).__netlabBuild ?? `${release()}+yaml@${yamlVersion()}`);

/** "VERSION@MTIME": package.json's version and the planner's file (compile.js; compile.ts where netlab runs from source, as in tests). */
function release(): string {
  const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  for (const f of ["../plan/compile.js", "../plan/compile.ts"])
    try {
      return `${version}@${statSync(new URL(f, import.meta.url)).mtimeMs}`;
    } catch {
      /* the other */
    }
  return `${version}@0`;
}

function yamlVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve("yaml/package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}
