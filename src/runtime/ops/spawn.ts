// A lab's `run:` command, left running in the background inside its namespace (its own
// process group), output to its log; its pid is journaled so that down stops it.
import { spawn as start } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type { Op } from "../../plan/ops.js";
import { shQuote } from "../../shell.js";
import { inNsForUser, OpFailure } from "../context.js";
import { dirOf } from "./files.js";
import { userNs } from "./exec.js";
import type { OpModule } from "./op.js";

export const spawn: OpModule<Extract<Op, { op: "spawn" }>> = {
  render: (op) => `mkdir -p ${shQuote(dirOf(op.log))}\n${userNs(op.ns, `setsid sh -c ${shQuote(op.cmd)}`)} >>${shQuote(op.log)} 2>&1 </dev/null &`,
  async run(op, ctx) {
    mkdirSync(dirname(op.log), { recursive: true, mode: 0o700 });
    const fd = openSync(op.log, "a", 0o600);
    const [cmd, ...args] = inNsForUser(ctx, op.ns, ["sh", "-c", op.cmd]);
    const child = start(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env: { ...ctx.env, NETLAB_NODE: op.who, NETLAB_RUN: "1" } });
    closeSync(fd);
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("spawn", () => resolve(child.pid!));
      child.once("error", (e) => reject(new OpFailure(`ip netns exec ${op.ns} sh -c ${op.cmd}`, e.message, op)));
    });
    child.unref();
    ctx.state?.append({ t: "proc", who: op.who, pid, cmd: op.cmd, log: op.log });
  },
  tools: () => ["sh"],
};
