import { down } from "../../teardown.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { c, progress } from "../output.js";

export async function downCmd(ref: string, opts: { json?: boolean } & ComposeFlags): Promise<number> {
  const p = await progress(`netlab down ${ref}`, opts.json);
  try {
    const r = await down(ref, { progress: (m) => p.update(m), compose: composeOf(opts) });
    if (opts.json) process.stdout.write(JSON.stringify(r) + "\n");
    else if (!r.wasUp) p.succeed(`${ref} is not up — nothing to remove`);
    else p.succeed(`${c.bold(r.lab)} is down in ${(r.ms / 1000).toFixed(2)}s — everything it made is gone`);
    for (const pr of r.problems) process.stderr.write(c.yellow(`warning: ${pr}\n`));
    return 0;
  } catch (e) {
    p.fail();
    throw e;
  }
}
