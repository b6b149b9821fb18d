import { rm as remove } from "node:fs/promises";
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import type { OpModule } from "./op.js";

export const rm: OpModule<Extract<Op, { op: "rm" }>> = {
  render: (op) => `rm -rf ${shQuote(op.path)}`,
  async run(op) {
    await remove(op.path, { recursive: true, force: true });
  },
  tools: () => [],
};
