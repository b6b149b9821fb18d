import { LabError, formatProblem } from "../../errors.js";
import { findLabFile, loadLabFile, sourceOf } from "../../lab/load.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { c, reportError, reportNotes, reportWarnings } from "../output.js";

export async function validateCmd(files: string[], opts: { json?: boolean } & ComposeFlags): Promise<number> {
  const results: { file: string; ok: boolean; lab?: string; problems?: string[]; warnings?: string[]; notes?: string[] }[] = [];
  let code = 0;
  for (const ref of files) {
    const file = findLabFile(ref);
    if (!file) {
      results.push({ file: ref, ok: false, problems: [`no lab file "${ref}"`] });
      if (!opts.json) process.stderr.write(`${c.red("error")}: no lab file "${ref}"\n`);
      code = 2;
      continue;
    }
    try {
      const lab = loadLabFile(file, { compose: composeOf(opts) });
      const warnings = sourceOf(lab)?.warnings ?? [];
      const notes = sourceOf(lab)?.notes ?? [];
      results.push({ file, ok: true, lab: lab.name, ...(warnings.length ? { warnings: warnings.map(formatProblem) } : {}), ...(notes.length ? { notes: notes.map((n) => n.text) } : {}) });
      if (!opts.json) {
        reportWarnings(warnings);
        reportNotes(notes, true);
        const links = lab.links.length ? `, ${lab.links.length} link${lab.links.length > 1 ? "s" : ""}` : "";
        process.stdout.write(`${c.green("ok")}  ${ref}: ${lab.name} — ${lab.nodes.length} node${lab.nodes.length === 1 ? "" : "s"}, ${lab.networks.length} network${lab.networks.length === 1 ? "" : "s"}${links}, ${lab.checks.length} check${lab.checks.length === 1 ? "" : "s"}\n`);
      }
    } catch (e) {
      code = Math.max(code, e instanceof LabError ? 2 : 1);
      if (opts.json) results.push({ file, ok: false, problems: e instanceof LabError ? e.problems.map(formatProblem) : [String(e)] });
      else reportError(e);
    }
  }
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  return code;
}
