import { relative } from "node:path";
import { initLab } from "../../init/init.js";
import { shQuote } from "../../shell.js";
import { c } from "../output.js";

export async function initCmd(file: string | undefined, opts: { from?: string; force?: boolean }): Promise<number> {
  const r = initLab(file, opts);
  const shown = relative(process.cwd(), r.file) || r.file;
  process.stdout.write(`wrote ${shown}: lab ${r.name}${opts.from ? `, a copy of ${opts.from}` : ""}\n`);
  const arg = shQuote(shown); // as typed into a shell: a name with a space runs as printed
  process.stdout.write(c.dim(`next: netlab validate ${arg} && sudo netlab up ${arg} --dry-run\n`));
  return 0;
}
