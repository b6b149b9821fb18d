import type { Op } from "../../plan/ops.js";
import { heredoc, shQuote } from "../../shell.js";
import { dirOf, guardFilesRoot, inDir, writeNoFollow } from "./files.js";
import type { OpModule } from "./op.js";

export const write: OpModule<Extract<Op, { op: "write" }>> = {
  render: (op) => `mkdir -p ${shQuote(dirOf(op.path))}\n${heredoc(`cat > ${shQuote(op.path)}`, op.content)}`,
  async run(op) {
    guardFilesRoot(op.path);
    await inDir(op.path, () => writeNoFollow(op.path, op.content));
  },
  tools: () => [],
};
