// This netlab's build: its version and when its planner was built. What a build recorded (a
// plan, what a lab was loaded from) is not taken by another: ops, their ids and a lab's resolved
// form may differ in shape, under one version number too.
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";

let release: string | undefined;

/** "VERSION@MTIME" of package.json's version and the planner's file (compile.js; compile.ts where netlab runs from source, as in tests). */
export const RELEASE = (): string => (release ??= `${(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version}@${builtAt()}`);

function builtAt(): number {
  for (const f of ["../plan/compile.js", "../plan/compile.ts"])
    try {
      return statSync(new URL(f, import.meta.url)).mtimeMs;
    } catch {
      /* the other */
    }
  return 0;
}

/**
 * This build's code as exactly as can be told, for what must not outlive any change of it (what
 * a lab was loaded from, lab/inputs.ts): the bundle's content, as bin/netlab hashed it for its
 * compiled-code cache and left in `__netlabBuild`, else (tsc's modules, the sources) RELEASE;
 * with the version of the YAML parser the loader takes from node_modules.
 */
export const BUILD = (): string => `${(globalThis as { __netlabBuild?: string }).__netlabBuild ?? RELEASE()}+yaml@${yamlVersion()}`;

/** The reference YAML parser is loaded from node_modules at run time (lab/yaml-read.ts), not bundled: its version counts too. */
function yamlVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve("yaml/package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}
