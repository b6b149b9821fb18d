import { readlink, rm as remove, unlink } from "node:fs/promises";
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import type { OpModule } from "./op.js";

type Rm = Extract<Op, { op: "rm" }>;

/** Removes the link at op.path only while it is the link netlab made (readlink equals op.link). */
async function unlinkOurs(op: Rm & { link: string }): Promise<void> {
  const target = await readlink(op.path).catch((e: NodeJS.ErrnoException) => {
    // Gone (ENOENT), or not a link at all (EINVAL): either way, nothing of ours is there.
    if (e.code === "ENOENT" || e.code === "EINVAL") return null;
    throw e;
  });
  if (target === op.link) await unlink(op.path).catch((e: NodeJS.ErrnoException) => { if (e.code !== "ENOENT") throw e; });
}

export const rm: OpModule<Rm> = {
  render: (op) =>
    op.link !== undefined
      ? `if [ "$(readlink ${shQuote(op.path)})" = ${shQuote(op.link)} ]; then rm -f ${shQuote(op.path)}; fi`
      : `rm -rf ${shQuote(op.path)}`,
  async run(op) {
    if (op.link !== undefined) await unlinkOurs(op as Rm & { link: string });
    else await remove(op.path, { recursive: true, force: true });
  },
  tools: () => [],
};
