import { apply } from "../../change/index.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { c, progress, reportNotes, reportWarnings } from "../output.js";
import { summary } from "./up.js";

/**
 * `netlab apply FILE`: a lab that is up changes into what FILE says, only the difference
 * touched (--dry-run prints exactly those commands); one that is not up comes up; an
 * unchanged one says so.
 */
export async function applyCmd(file: string, opts: { dryRun?: boolean; json?: boolean; isolated?: boolean; verbose?: boolean; filename?: string[]; namespace?: string } & ComposeFlags): Promise<number> {
  if (opts.filename?.length) return (await import("./kube.js")).kubeApplyCmd(file, opts.filename, opts);
  const compose = composeOf(opts);
  const warnings = opts.json ? undefined : reportWarnings;
  const notes = opts.json ? undefined : (ns: { text: string; when: "up" | "verbose" }[]) => reportNotes(ns, !!opts.verbose);
  if (opts.dryRun) {
    const r = await apply(file, { dryRun: true, isolated: opts.isolated, compose, warnings, notes });
    if (opts.json) process.stdout.write(JSON.stringify({ lab: r.lab.name, outcome: r.outcome, changed: r.changed, script: r.script ?? "" }) + "\n");
    else if (r.outcome === "unchanged") process.stderr.write(`${r.lab.name} is up and unchanged — nothing to do\n`);
    else process.stdout.write(r.script!.endsWith("\n") ? r.script! : `${r.script}\n`);
    return 0;
  }
  const p = await progress(`netlab apply ${file}`, opts.json);
  try {
    const r = await apply(file, { isolated: opts.isolated, compose, warnings, notes, progress: (m) => p.update(m) });
    if (opts.json) process.stdout.write(JSON.stringify({ lab: r.lab.name, outcome: r.outcome, changed: r.changed, ms: r.ms }) + "\n");
    else if (r.outcome === "unchanged") p.succeed(`${r.lab.name} is up and unchanged — nothing to do`);
    else if (r.outcome === "up") {
      p.succeed(`${c.bold(r.lab.name)} was not up; it is up in ${(r.ms / 1000).toFixed(2)}s`);
      process.stdout.write(summary(r.lab) + "\n");
    }
    else {
      p.succeed(`${c.bold(r.lab.name)} changed in ${(r.ms / 1000).toFixed(2)}s — only what differs:`);
      for (const t of r.changed) process.stdout.write(`  ${t}\n`);
      if (r.lab.checks.length) process.stdout.write(c.dim(`check it: sudo netlab test ${r.lab.name}`) + "\n");
    }
    return 0;
  } catch (e) {
    p.fail();
    // A command failed midway: what ran stays, and the next apply (of this file, fixed, or of
    // the version before) redoes every step the versions differ in (the error's hint says so).
    throw e;
  }
}
