// Reports of a test run: JUnit XML for CI systems, JSON for scripts.
import type { CheckResult } from "./probe.js";
import { describeCheck } from "./probe.js";

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");

export function junit(lab: string, results: CheckResult[], ms: number, when = new Date()): string {
  const failures = results.filter((r) => !r.ok).length;
  const cases = results.map((r) => {
    const c = r.check;
    const name = xml(`${describeCheck(c)}${c.expect === "fail" ? " (expect fail)" : ""}`);
    const head = `    <testcase classname="${xml(`${lab}.${c.from}`)}" name="${name}" time="${(r.ms / 1000).toFixed(3)}"`;
    if (r.ok) return `${head}/>`;
    const msg = `${c.expect === "fail" ? "expected to fail, but " : ""}${r.detail}`;
    return `${head}>\n      <failure message="${xml(msg)}" type="${c.expect === "fail" ? "UnexpectedPass" : "CheckFailed"}">${xml(`from ${c.from}: ${c.kind} ${r.probed}: ${r.detail} (${r.attempts} attempt${r.attempts > 1 ? "s" : ""})`)}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="netlab" tests="${results.length}" failures="${failures}" errors="0" time="${(ms / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(lab)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${(ms / 1000).toFixed(3)}" timestamp="${when.toISOString().slice(0, 19)}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

export interface TestReport {
  lab: string;
  passed: number;
  failed: number;
  ms: number;
  results: { from: string; probe: string; target: string; probed: string; expect: "pass" | "fail"; outcome: "pass" | "fail"; ok: boolean; detail: string; ms: number; attempts: number; name?: string }[];
}

export function toJson(lab: string, results: CheckResult[], ms: number): TestReport {
  return {
    lab,
    passed: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).length,
    ms,
    results: results.map((r) => ({
      ...(r.check.name ? { name: r.check.name } : {}),
      from: r.check.from, probe: r.check.kind, target: r.check.target, probed: r.probed, expect: r.check.expect,
      outcome: r.outcome, ok: r.ok, detail: r.detail, ms: r.ms, attempts: r.attempts,
    })),
  };
}
