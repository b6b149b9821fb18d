import type { Op } from "../../plan/ops.js";
import { shQuote, writeExactly } from "../../shell.js";
import { dirOf, guardFilesRoot, inDir, writeNoFollow } from "./files.js";
import type { OpModule } from "./op.js";

export const write: OpModule<Extract<Op, { op: "write" }>> = {
  render: (op) => `mkdir -p ${shQuote(dirOf(op.path))}\n${writeExactly(op.path, op.content)}`,
  async run(op) {
    guardFilesRoot(op.path);
    await inDir(op.path, () => writeNoFollow(op.path, op.content));
  },
  tools: () => [],
};
