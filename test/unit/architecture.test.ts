// The structure the code keeps (docs/architecture.md): small files, no import cycles, the
// runtime depending on the plan's types only, every op type with its module, every network
// kind with its module.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { NETWORK_KINDS, type Network } from "../../src/lab/model.js";
import { networkKind } from "../../src/plan/kinds/index.js";
import { renderOp } from "../../src/runtime/ops/index.js";

const SRC = resolve(import.meta.dirname, "../../src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports of a file: target path and whether the import carries values (not `import type`). */
function imports(file: string): { to: string; values: boolean }[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(import|export)\s+(type\s+)?([^'"]*?)\s*from\s+"(\.[^"]+)"/gm)].map((m) => ({
    to: resolve(dirname(file), m[4].replace(/\.js$/, ".ts")),
    values: !m[2] && !/^\{\s*type\s[^,}]*\}$/.test(m[3].trim()) && !(m[3].trim().startsWith("{") && m[3].split(",").every((x) => /^\{?\s*type\s/.test(x.trim()))),
  }));
}

describe("architecture", () => {
  const all = files(SRC);
  it("no file in src/ is over 300 lines", () => {
    const long = all.map((f) => [relative(SRC, f), readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });

  it("the runtime imports only types from plan/", () => {
    const bad = all
      .filter((f) => relative(SRC, f).startsWith("runtime/"))
      .flatMap((f) => imports(f).filter((i) => i.values && relative(SRC, i.to).startsWith("plan/")).map((i) => `${relative(SRC, f)} -> ${relative(SRC, i.to)}`));
    expect(bad).toEqual([]);
  });

  it("no import cycle between files", () => {
    const graph = new Map(all.map((f) => [f, imports(f).filter((i) => i.values).map((i) => i.to)]));
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(SRC, x)).join(" -> "));
        return;
      }
      state.set(f, "open");
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("every network kind has its module in the registry", () => {
    for (const k of NETWORK_KINDS) expect(networkKind({ kind: k } as Network).kind).toBe(k);
  });

  it("the ipset op renders one restore and its undo destroys the sets", () => {
    expect(renderOp({ op: "ipset", ns: "x-a", lines: ["create NL-x-PODS hash:ip", "add NL-x-PODS 10.0.0.2"] })).toBe("nsenter --net=/run/netns/x-a ipset restore -exist <<'EOF'\ncreate NL-x-PODS hash:ip\nadd NL-x-PODS 10.0.0.2\nEOF");
    expect(renderOp({ op: "ipset-destroy", ns: null, sets: ["NL-x-PODS"] })).toBe("ipset destroy NL-x-PODS 2>/dev/null || true");
  });
});
