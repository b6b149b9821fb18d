import { doctor, type Finding } from "../../doctor/doctor.js";
import { c, table } from "../output.js";

const mark = (f: Finding) => (f.ok === null ? c.dim("?") : f.ok ? c.green("ok") : c.red("no"));

export async function doctorCmd(labs: string[], opts: { json?: boolean }): Promise<number> {
  const r = await doctor(labs);
  if (opts.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return r.ok ? 0 : 1;
  }
  const section = (title: string, fs: Finding[]) => {
    process.stdout.write(c.bold(title) + "\n");
    process.stdout.write(table(["", "NAME", "STATE", "NEEDED FOR"], fs.map((f) => [mark(f), f.name, f.detail, f.costs])) + "\n");
    for (const f of fs.filter((x) => x.fix)) process.stdout.write(`  ${f.name}: ${f.fix}\n`);
    process.stdout.write("\n");
  };
  section("TOOLS", r.tools);
  section("KERNEL", r.kernel);
  section("SYSTEM", r.system);
  const bad = r.labs.filter((l) => !l.ok);
  process.stdout.write(c.bold(labs.length ? "LABS" : "SHIPPED LABS") + "\n");
  process.stdout.write(`${r.labs.length - bad.length} of ${r.labs.length} can run here${bad.length ? "; not:" : ""}\n`);
  for (const l of bad) process.stdout.write(`  ${l.lab}: needs ${l.missing.join(", ")}\n`);
  return r.ok ? 0 : 1;
}
