import { closeSync } from "node:fs";
import { requireUp } from "../../running.js";
import { processEnv } from "../../runtime/env.js";
import { openOutput } from "../../output-file.js";
import { captureTarget, checkCapture, tcpdumpArgv } from "../../capture.js";
import { UsageError } from "../../errors.js";
import { requireRoot, requireTools } from "../../runtime/tools.js";
import { runInherit } from "./exec.js";

export async function captureCmd(lab: string, target: string, filter: string[], opts: { write?: string; count?: number }): Promise<number> {
  if (filter[0] === "--") filter = filter.slice(1);
  if (opts.count !== undefined && (!Number.isInteger(opts.count) || opts.count < 1)) throw new UsageError(`-c ${opts.count}: not a number of packets`, "e.g. -c 10");
  requireRoot("netlab capture");
  requireTools(["tcpdump"]);
  const meta = await requireUp(lab);
  const t = captureTarget(meta, target);
  const o = { write: opts.write !== undefined, count: opts.count, filter };
  await checkCapture(t, o);
  // Opened here, after the checks (a typo leaves no empty file), never through a planted link.
  const out = opts.write !== undefined ? openOutput(opts.write, { overwrite: true }) : null;
  try {
    process.stderr.write(`capturing on ${t.what}${out ? ` into ${opts.write}` : ""}; Ctrl-C stops\n`);
    // tcpdump gets Ctrl-C with us, prints its counts and exits 0: that is the normal end. Its own
    // failures after the checks above (an interface that vanished) keep tcpdump's status.
    return await runInherit([...t.enter, ...tcpdumpArgv(t, o)], processEnv(meta.lab.name, meta.instance), out?.fd);
  } finally {
    if (out) closeSync(out.fd);
  }
}
