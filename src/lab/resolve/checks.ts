// One check: exactly one probe, a known `from`, a target of the probe's form, sane timeouts.
import type { KeyPath } from "../../errors.js";
import type { Check, ProbeKind } from "../model.js";
import type { RawCheck } from "../schema.js";
import { Problems } from "./context.js";
import { closest } from "./util.js";

export function parseDuration(v: string | number | undefined, dflt: number): number | null {
  if (v === undefined) return dflt;
  if (typeof v === "number") return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60000 : n * 1000;
}

export const PROBES: ProbeKind[] = ["ping", "tcp", "udp", "http", "dns", "matrix"];

export function resolveCheck(P: Problems, c: RawCheck, i: number, known: (n: string) => boolean, nodeNames: string[]): Check | null {
  const path: KeyPath = ["checks", i];
  const kinds = PROBES.filter((k) => c[k] !== undefined);
  if (kinds.length !== 1) {
    P.add(path, kinds.length ? `a check has exactly one probe, this one has ${kinds.join(" and ")}` : "a check needs a probe", "use one of ping:, tcp:, udp:, http:, dns:, matrix:");
    return null;
  }
  if (kinds[0] === "matrix") return matrixCheck(P, c, i, known, nodeNames);
  if (c.from === undefined) {
    P.add([...path, "from"], "is required", 'add "from:" (string)');
    return null;
  }
  if (!known(c.from)) {
    const g = closest(c.from, nodeNames);
    P.add([...path, "from"], `no node named "${c.from}"`, g ? `did you mean ${g}?` : `use a node name or host`);
    return null;
  }
  const kind = kinds[0] as Exclude<ProbeKind, "matrix">;
  const target = c[kind]!;
  if ((kind === "tcp" || kind === "udp") && !/^(\[[^\]]+\]|[^:]+|[0-9a-fA-F:]+):\d{1,5}$/.test(target)) {
    P.add([...path, kind], `"${target}" needs a port: TARGET:PORT`, `e.g. ${kind}: "web:80"`);
    return null;
  }
  if (kind === "dns" && target.includes("/")) { P.add([...path, kind], `"${target}" is not a DNS name: a node with a namespace answers only to its aliases`, "ask for one of its aliases (or a record's name), or ping it by its node name"); return null; }
  if (kind === "http" && !/^https?:\/\//.test(target)) { P.add([...path, kind], `"${target}" is not an http:// URL`, 'e.g. http: "http://web/"'); return null; }
  const timeoutMs = parseDuration(c.timeout, 2000);
  if (timeoutMs === null || timeoutMs <= 0) { P.add([...path, "timeout"], `"${c.timeout}" is not a duration`, "write it like 2s or 500ms"); return null; }
  if (timeoutMs > 600_000) { P.add([...path, "timeout"], `${c.timeout} is longer than a check may wait (10m)`, "a check's timeout is at most 10m; use retries for more"); return null; }
  if (c.status !== undefined && kind !== "http") P.add(path, "status goes with http checks");
  if (c.contains !== undefined && kind !== "http" && kind !== "dns") P.add(path, "contains goes with http and dns checks");
  if (c.type !== undefined && kind !== "dns") P.add([...path, "type"], "type goes with dns checks");
  if (c.type !== undefined && c.resolver === "system") P.add([...path, "type"], "type asks the DNS server: it does not go with resolver: system", "getent resolves addresses only");
  if (c.equals !== undefined && kind !== "dns") P.add([...path, "equals"], "equals goes with dns checks");
  if (c.resolver !== undefined && kind !== "dns") P.add([...path, "resolver"], "resolver goes with dns checks");
  if (c.via !== undefined && kind !== "http") P.add([...path, "via"], "via goes with http checks", 'e.g. { http: "http://web.example/", via: "n1:30080" }');
  else if (c.via !== undefined && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+)(:\d{1,5})?$/.test(c.via)) P.add([...path, "via"], `"${c.via}" is not TARGET[:PORT]`, 'a node or an address, and a port: "n1:30443"');
  if (c.headers !== undefined && kind !== "http") P.add([...path, "headers"], "headers go with http checks");
  // Checks that count answers: the answer of `netlab serve` names its node.
  let answeredBy: Check["answeredBy"];
  let tolerance: number | undefined;
  const pct = (v: string) => (/^\d+(\.\d+)?%$/.test(v.trim()) ? Number(v.trim().slice(0, -1)) : null);
  if ((c.repeat !== undefined || c.answeredBy !== undefined || c.tolerance !== undefined || c.sticky !== undefined) && kind !== "http" && kind !== "tcp") P.add(path, "repeat, answeredBy and sticky go with http and tcp checks");
  if (c.answeredBy !== undefined) {
    const names = Array.isArray(c.answeredBy) ? c.answeredBy : Object.keys(c.answeredBy);
    names.forEach((n) => { if (!known(n) || n === "host") P.add([...path, "answeredBy"], `no node named "${n}"`, `answers come from nodes: ${nodeNames.join(", ")}`); });
    if (Array.isArray(c.answeredBy)) answeredBy = { nodes: c.answeredBy };
    else {
      const shares: Record<string, number> = {};
      for (const [n, v] of Object.entries(c.answeredBy)) {
        const x = pct(v);
        if (x === null || x > 100) P.add([...path, "answeredBy", n], `"${v}" is not a share`, 'write it like 90%');
        else shares[n] = x;
      }
      answeredBy = { shares };
    }
  }
  if (c.tolerance !== undefined) {
    const x = pct(c.tolerance);
    if (x === null) P.add([...path, "tolerance"], `"${c.tolerance}" is not a tolerance`, "write it like 8% (percentage points)");
    else tolerance = x;
  }
  return {
    index: i, name: c.name, from: c.from!, kind, target, expect: c.expect ?? "pass", timeoutMs, retries: c.retries ?? 0,
    count: c.count ?? 1, status: c.status, contains: c.contains, equals: c.equals, path,
    ...(kind === "dns" ? { resolver: c.resolver ?? "dns", ...(c.type ? { recordType: c.type } : {}) } : {}),
    ...(c.via !== undefined ? { via: c.via } : {}),
    ...(c.headers !== undefined ? { headers: c.headers } : {}),
    ...(answeredBy || c.repeat !== undefined || c.sticky ? { repeat: c.repeat ?? 1, answeredBy, tolerance: tolerance ?? 5, ...(c.sticky ? { sticky: true } : {}) } : {}),
  };
}

/** `matrix: { port, pods, expect }`: the pods known, the table square, its cells `.`, `X` or `-`. */
function matrixCheck(P: Problems, c: RawCheck, i: number, known: (n: string) => boolean, nodeNames: string[]): Check | null {
  const path: KeyPath = ["checks", i, "matrix"];
  const m = c.matrix!;
  const before = P.list.length;
  const pm = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(String(m.port));
  if (!pm) P.add([...path, "port"], `"${m.port}" is not PORT[/PROTO]`, "e.g. port: 8080, or 53/udp");
  m.pods.forEach((p, j) => {
    if (!known(p) || p === "host") P.add([...path, "pods", j], `no pod named "${p}"`, closest(p, nodeNames) ? `did you mean ${closest(p, nodeNames)}?` : undefined);
  });
  const rows = m.expect.trim().split("\n").map((r) => r.trim().split(/\s+/));
  if (rows.length !== m.pods.length || rows.some((r) => r.length !== m.pods.length)) P.add([...path, "expect"], `expect must have ${m.pods.length} rows of ${m.pods.length} cells (a row per pod, from; a cell per pod, to)`, 'e.g. ". X\\nX ." for two pods');
  else if (rows.flat().some((x) => !/^[.X-]$/.test(x))) P.add([...path, "expect"], "a cell is . (connected), X (blocked) or - (not checked)");
  if (c.from !== undefined) P.add(["checks", i, "from"], "a matrix check has no from: every pod it lists probes every other");
  if (!pm || P.list.length > before) return null;
  return {
    index: i, name: c.name, from: "", kind: "matrix", target: `${pm[1]}/${(pm[2] ?? "tcp").toUpperCase()}`, expect: c.expect ?? "pass",
    timeoutMs: 1000, retries: c.retries ?? 0, count: 1, path: ["checks", i],
    matrix: { pods: m.pods, expect: rows, port: Number(pm[1]), proto: (pm[2] ?? "tcp").toUpperCase() },
  };
}
