import { readFileSync } from "node:fs";
import { status } from "../../status.js";
import { labsWithState } from "../../state/store.js";
import { requireRoot } from "../../runtime/tools.js";
import { age, c, table } from "../output.js";

export async function statusCmd(opts: { json?: boolean }): Promise<number> {
  // Lab state is root's alone (0700): without root there is nothing to read, which is not "no labs".
  if (labsWithState().length) requireRoot("netlab status");
  const labs = await status();
  if (opts.json) {
    process.stdout.write(JSON.stringify(labs, null, 2) + "\n");
    return 0;
  }
  if (!labs.length) {
    process.stdout.write("no labs are up\n");
    return 0;
  }
  const st = (s: string) => (s === "up" ? c.green(s) : c.yellow(s));
  process.stdout.write(table(["LAB", "STATE", "NODES", "AGE", "DESCRIPTION"], labs.map((l) => [l.name, st(l.state) + (l.isolated ? " (isolated)" : ""), String(l.nodes), age(l.ageSeconds), l.description])) + "\n");
  for (const l of labs.filter((x) => x.missing)) for (const m of l.missing!) process.stdout.write(c.yellow(`${l.name}: ${m}\n`));
  if (labs.some((l) => l.state === "degraded")) process.stdout.write(c.dim("degraded: something the lab made is gone; netlab up LAB makes it again\n"));
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
