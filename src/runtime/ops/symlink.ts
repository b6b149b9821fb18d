import { lstat, rm, symlink as link } from "node:fs/promises";
import type { Op } from "../../plan/ops.js";
import { EnvError } from "../../errors.js";
import { shQuote } from "../../shell.js";
import { dirOf, guardFilesRoot, inDir } from "./files.js";
import type { OpModule } from "./op.js";

export const symlink: OpModule<Extract<Op, { op: "symlink" }>> = {
  render: (op) => `mkdir -p ${shQuote(dirOf(op.path))} && ln -sfn ${shQuote(op.target)} ${shQuote(op.path)}`,
  async run(op) {
    guardFilesRoot(op.target);
    await inDir(op.path, () =>
      link(op.target, op.path).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e;
        // A link (netlab's own, being repaired) is replaced; anything else there is not netlab's to remove.
        if (!(await lstat(op.path)).isSymbolicLink())
          throw new EnvError(`${op.path} already exists and is not a link netlab made`, `netlab leaves it alone; move it away if it is stale`);
        await rm(op.path, { force: true });
        await link(op.target, op.path);
      }),
    );
  },
  tools: () => [],
};
