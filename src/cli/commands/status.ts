import { readFileSync } from "node:fs";
import { remakeHint } from "../../running.js";
import { status } from "../../status.js";
import { LabState, labsWithState } from "../../state/store.js";
import { UsageError } from "../../errors.js";
import { requireRoot } from "../../runtime/tools.js";
import { age, c, table } from "../output.js";

/**
 * `netlab status [LAB] [-o wide|json]`: the labs that are up (kubectl's `get` conventions), or
 * one of them with its nodes, interfaces and addresses, and what is missing if it is degraded.
 */
export async function statusCmd(ref: string | undefined, opts: { json?: boolean; output?: string }): Promise<number> {
  const format = opts.json ? "json" : opts.output;
  if (format !== undefined && format !== "json" && format !== "wide") throw new UsageError(`-o ${format}: not a format of status`, "-o wide or -o json");
  // Lab state is root's alone (0700): without root there is nothing to read, which is not "no labs".
  if (labsWithState().length) requireRoot("netlab status");
  let labs = await status();
  if (ref !== undefined) {
    const { labNameOf, notUpHint } = await import("../../running.js");
    const name = (await labNameOf(ref)) ?? ref;
    labs = labs.filter((l) => l.name === name);
    if (!labs.length) throw new UsageError(`lab ${ref} is not up`, notUpHint(ref));
  }
  if (format === "json") {
    process.stdout.write(JSON.stringify(ref !== undefined ? labs[0] : labs, null, 2) + "\n");
    return 0;
  }
  if (!labs.length) {
    process.stdout.write("no labs are up\n");
    return 0;
  }
  const st = (s: string) => (s === "up" ? c.green(s) : c.yellow(s));
  const wide = format === "wide";
  const head = ["LAB", "STATE", "NODES", "AGE", ...(wide ? ["HOST", "FILE"] : []), "DESCRIPTION"];
  const rows = labs.map((l) => [l.name, st(l.state) + (l.isolated ? " (isolated)" : ""), String(l.nodes), age(l.ageSeconds), ...(wide ? [new LabState(l.name).readMeta()?.lab.hostNs ?? "this namespace", l.file] : []), l.description]);
  process.stdout.write(table(head, rows) + "\n");
  if (ref !== undefined) {
    const meta = new LabState(labs[0].name).readMeta();
    const { summary } = await import("./up.js"); // only here: up's module brings the API with it
    if (meta) process.stdout.write("\n" + summary(meta.lab) + "\n");
  }
  for (const l of labs.filter((x) => x.missing)) for (const m of l.missing!) process.stdout.write(c.yellow(`${l.name}: ${m}\n`));
  for (const l of labs.filter((x) => x.state === "degraded")) process.stdout.write(c.dim(`degraded: something ${l.name} made is gone or changed; ${remakeHint(l, !!l.fatal)} makes it again\n`));
  if (labs.some((l) => l.state === "incomplete")) process.stdout.write(c.dim("incomplete: an up was interrupted; netlab down LAB removes what it made\n"));
  return 0;
}

export async function labsCmd(opts: { json?: boolean }): Promise<number> {
  const { labFromText, shippedLabs } = await import("../../lab/load.js");
  const rows = shippedLabs().map((f) => {
    const ref = f.replace(/^.*\//, "").replace(/\.(ya?ml|json)$/, "");
    try {
      const lab = labFromText(readFileSync(f, "utf8"), f);
      return { ref, name: lab.name, nodes: lab.nodes.length, description: lab.description };
    } catch {
      return { ref, name: "?", nodes: 0, description: "(does not validate)" };
    }
  });
  if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
  else process.stdout.write(table(["LAB", "NODES", "DESCRIPTION"], rows.map((r) => [r.ref, String(r.nodes), r.description])) + "\n" + c.dim("bring one up: sudo netlab up LAB\n"));
  return 0;
}
