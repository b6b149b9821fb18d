import { rm, symlink as link } from "node:fs/promises";
import type { Op } from "../../plan/ops.js";
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
        await rm(op.path, { force: true });
        await link(op.target, op.path);
      }),
    );
  },
  tools: () => [],
};
