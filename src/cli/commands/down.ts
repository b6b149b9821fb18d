import { findLabFile, shippedLabs } from "../../lab/find.js";
import { labsWithState } from "../../state/store.js";
import { down } from "../../teardown.js";
import { UsageError } from "../../errors.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { c, ce, progress } from "../output.js";
import { closest } from "../../lab/resolve/util.js";

/**
 * `netlab down LAB` (or `--all`): a lab that is up goes; a lab that is known (a lab file, a
 * shipped lab) but not up is nothing to do (exit 0, as `docker compose down`); a name that is
 * neither is a mistake worth saying (exit 1), as `kubectl delete` of an unknown object is.
 */
export async function downCmd(ref: string | undefined, opts: { json?: boolean; all?: boolean } & ComposeFlags): Promise<number> {
  if (opts.all && ref) throw new UsageError("down takes a lab or --all, not both", "netlab down --all takes down every lab that is up");
  if (!opts.all && !ref) throw new UsageError("down needs a lab", "netlab down LAB, or netlab down --all");
  const refs = opts.all ? labsWithState() : [ref!];
  if (opts.all && !refs.length && !opts.json) process.stdout.write("no labs are up — nothing to remove\n");
  let code = 0;
  for (const r of refs) code = Math.max(code, await downOne(r, opts));
  return code;
}

async function downOne(ref: string, opts: { json?: boolean } & ComposeFlags): Promise<number> {
  const json = opts.json;
  const p = await progress(`netlab down ${ref}`, json);
  try {
    const r = await down(ref, { progress: (m) => p.update(m), compose: composeOf(opts) });
    const unknown = !r.wasUp && !findLabFile(ref);
    if (json) process.stdout.write(JSON.stringify({ ...r, ...(unknown ? { unknown: true } : {}) }) + "\n");
    else if (unknown) {
      p.fail();
      const up = labsWithState();
      const guess = closest(ref, [...up, ...shippedLabs().map((f) => f.replace(/^.*\//, "").replace(/\.(ya?ml|json)$/, ""))]);
      process.stderr.write(`${ce.red("error")}: no lab "${ref}" is up, and it names no lab file or shipped lab\n`);
      process.stderr.write(ce.dim(`  hint: ${guess ? `did you mean ${guess}? ` : ""}${up.length ? `labs up: ${up.join(", ")}` : "no labs are up"}\n`));
    } else if (!r.wasUp) {
      p.succeed(`${ref} is not up — nothing to remove`);
      // The file names another lab now (or -p another project): say which are up from it, as down cannot know it means them.
      if (r.upFromFile) process.stderr.write(c.yellow(`warning: ${r.upFromFile.join(", ")} ${r.upFromFile.length > 1 ? "are" : "is"} up from that file under another name: sudo netlab down ${r.upFromFile[0]}\n`));
    }
    else p.succeed(`${c.bold(r.lab)} is down in ${(r.ms / 1000).toFixed(2)}s — everything it made is gone`);
    for (const pr of r.problems) process.stderr.write(c.yellow(`warning: ${pr}\n`));
    return unknown ? 1 : 0;
  } catch (e) {
    p.fail();
    throw e;
  }
}
