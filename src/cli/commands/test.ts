import { pingall, test, type TestResult } from "../../api.js";
import { junit, toJson } from "../../check/report.js";
import type { PingAll } from "../../check/pingall.js";
import { printable, UsageError } from "../../errors.js";
import { enterArgv, remakeHint, requireUp } from "../../running.js";
import { requireTools } from "../../runtime/tools.js";
import { writeOutput } from "../../output-file.js";
import { shQuote } from "../../shell.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { c, table } from "../output.js";

export interface TestOptions extends ComposeFlags {
  json?: boolean;
  junit?: string;
  pingall?: boolean;
  /** The lab goes down right after (up --test --rm): no hint that would find it up. */
  goesDown?: boolean;
}

/** `netlab test LAB --matrix`: the truth tables, differences from the policies' said; exit 1 when any. */
async function matrixCmd(ref: string, ports: string[], json: boolean): Promise<number> {
  const meta = await requireUp(ref);
  if (!meta.lab.kube) throw new UsageError(`lab ${meta.lab.name} has no kubernetes: section`, "--matrix probes a cluster's pods; --pingall any lab's nodes");
  const { matrixPorts, probeMatrix, renderMatrix, differences } = await import("../../check/matrix.js");
  requireTools(["perl", "nc"]); // TCP's prober, UDP's probes
  const tables = await probeMatrix(meta.lab, matrixPorts(meta.lab, ports), (node) => enterArgv(meta, node));
  const diffs = tables.flatMap(differences);
  if (json) process.stdout.write(JSON.stringify({ lab: meta.lab.name, tables, differences: diffs }, null, 2) + "\n");
  else {
    process.stdout.write(tables.map(renderMatrix).join("\n\n") + "\n");
    process.stdout.write(`cells (from the row's pod to the column's): . connects, X denied, - nothing serves that port${diffs.length ? ", [ ] not what the policies say" : ""}\n`);
    process.stdout.write(diffs.length ? c.red(`${diffs.length} cell${diffs.length === 1 ? "" : "s"} differ from what the NetworkPolicies say (in brackets):\n`) + diffs.map((d) => `  ${d}\n`).join("") : c.green("every cell is what the NetworkPolicies say\n"));
  }
  return diffs.length ? 1 : 0;
}

export function printResults(r: TestResult, opts: TestOptions): number {
  const lab = r.lab.name;
  if (opts.junit) writeOutput(opts.junit, junit(lab, r.results, r.ms), { overwrite: true });
  const passed = r.results.filter((x) => x.ok).length;
  const failed = r.results.length - passed;
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...toJson(lab, r.results, r.ms), notReady: r.notReady, degraded: r.degraded }, null, 2) + "\n");
    return failed ? 1 : 0;
  }
  if (r.notReady.length) process.stderr.write(c.yellow(`warning: ${r.notReady.join(", ")} did not start listening in time\n`));
  if (r.degraded.length) {
    process.stderr.write(c.yellow(`warning: ${r.lab.name} is degraded, so checks that need these cannot pass:\n${r.degraded.map((m) => `  ${m}\n`).join("")}`));
    process.stderr.write(c.dim(`  ${remakeHint(r.lab, r.fatal)} makes them again\n`));
  }
  const out = r.lab.kube?.leftOut ?? [];
  if (out.length) process.stderr.write(c.yellow(`warning: ${out.length} of the lab file's checks left out while its cluster differs from the file (they name pods it no longer has): ${out.join("; ")}\n`));
  if (!r.results.length) {
    process.stdout.write(`${lab} has no checks\n0 passed, 0 failed\n`);
    return 0;
  }
  const rows = r.results.map((x) => {
    const k = x.check;
    const what = k.kind;
    const target = x.probed !== k.target ? `${k.target} (${x.probed})` : k.target;
    const result = x.ok ? c.green(`ok`) + c.dim(` ${x.detail}`) : c.red(`FAIL`) + ` ${k.expect === "fail" ? "it got through: " : ""}${x.detail}`;
    return [k.kind === "matrix" ? `${k.matrix!.pods.length} pods` : k.from, k.name ? `${what} [${k.name}]` : what, target, k.expect, result, `${x.ms}ms`];
  });
  process.stdout.write(table(["FROM", "PROBE", "TARGET", "EXPECT", "RESULT", "TIME"], rows) + "\n");
  const line = `${passed} passed, ${failed} failed`;
  process.stdout.write((failed ? c.red(line) : c.green(line)) + c.dim(` (${lab}, ${(r.ms / 1000).toFixed(2)}s)`) + "\n");
  if (failed && !opts.goesDown) {
    const first = r.results.find((x) => !x.ok)!;
    const closer = first.check.kind === "matrix" ? `sudo netlab test ${lab} --matrix ${first.check.target}` : `sudo netlab exec ${lab} ${shQuote(first.check.from)} -- ${suggest(first.check.kind, first.probed, first.check.resolver)}`;
    process.stdout.write(c.dim(printable(`look closer: ${closer}`) + "\n"));
  }
  return failed ? 1 : 0;
}

/** A command to paste: every value from the lab file shell-quoted. */
export function suggest(kind: string, probed: string, resolver?: string): string {
  const q = shQuote;
  if (kind === "ping") return `ping -c3 ${q(probed)}`;
  if (kind === "http") return `curl -v ${q(probed)}`;
  if (kind === "dns") return resolver === "system" ? `getent ahosts ${q(probed)}` : `dig +search ${q(probed)}`;
  const [h, p] = [probed.slice(0, probed.lastIndexOf(":")), probed.slice(probed.lastIndexOf(":") + 1)];
  // -z and -w: a hint that returns (a connected nc otherwise waits on stdin for ever).
  return kind === "udp" ? `nc -u -v -w 2 ${q(h)} ${q(p)}` : `nc -vz -w 2 ${q(h)} ${q(p)}`;
}

export function printPingAll(p: PingAll, json?: boolean): number {
  const holes = p.pairs - p.reachable;
  if (json) {
    process.stdout.write(JSON.stringify(p, null, 2) + "\n");
    return holes ? 1 : 0;
  }
  // Mininet's layout: one line per source, X where a destination did not answer.
  const many = p.nodes.length > 40;
  for (const from of p.nodes) {
    const row = p.matrix[from];
    const cells = p.nodes.filter((n) => n !== from).map((to) => {
      const cell = row[to];
      return cell.answered === cell.of ? to : cell.answered ? c.yellow(`~${to}`) : c.red("X");
    });
    if (!many || cells.some((x) => !p.nodes.includes(x))) process.stdout.write(`${from} -> ${cells.join(" ")}\n`);
  }
  if (many && !holes) process.stdout.write(c.dim(`(${p.nodes.length} nodes: rows without holes are not shown)\n`));
  const pct = p.pairs ? Math.round((holes / p.pairs) * 100) : 0;
  process.stdout.write(`${holes ? c.red(`${pct}% dropped`) : c.green("0% dropped")} (${p.reachable}/${p.pairs} pairs reachable, ${(p.ms / 1000).toFixed(2)}s)\n`);
  if (p.nodes.some((n) => Object.values(p.matrix[n]).some((x) => x.answered && x.answered < x.of))) process.stdout.write(c.dim("~node: some of that node's addresses answered, not all\n"));
  return holes ? 1 : 0;
}

export async function testCmd(ref: string, opts: TestOptions & { matrix?: boolean | string[] }): Promise<number> {
  if (opts.matrix) return matrixCmd(ref, opts.matrix === true ? [] : opts.matrix, !!opts.json);
  if (opts.pingall) {
    const onWave = (wave: number, waves: number) => {
      if (wave === 1)
        process.stderr.write(c.dim(`the kernel's neighbour table (net.ipv4.neigh.default.gc_thresh3, shared by all namespaces) cannot hold every pair at once: pinging in ${waves} waves\n`));
    };
    return printPingAll(await pingall(ref, { onWave }), opts.json);
  }
  return printResults(await test(ref, { compose: composeOf(opts) }), opts);
}
