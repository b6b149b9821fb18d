import { execa } from "execa";
import { enterArgv, processEnv, requireUp } from "../../api.js";
import { UsageError } from "../../errors.js";
import { requireRoot } from "../../runtime/tools.js";

/** The command owns the terminal: stdin, stdout and stderr pass through, and so does its exit status. */
export async function runInherit(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const ignore = () => {}; // Ctrl-C is for the command; we just wait for it
  process.on("SIGINT", ignore);
  try {
    const r = await execa(argv[0], argv.slice(1), { stdio: "inherit", env, reject: false, extendEnv: false });
    if (r.exitCode !== undefined) return r.exitCode;
    const signals: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
    return r.signal ? 128 + (signals[r.signal] ?? 1) : 1;
  } finally {
    process.off("SIGINT", ignore);
  }
}

export async function execCmd(lab: string, node: string, cmd: string[]): Promise<number> {
  if (cmd[0] === "--") cmd = cmd.slice(1);
  if (!cmd.length) throw new UsageError("no command given", `netlab exec ${lab} ${node} -- ping -c1 10.0.0.1`);
  requireRoot("netlab exec");
  const meta = await requireUp(lab);
  const env = { ...processEnv(meta.lab.name), NETLAB_NODE: node };
  return runInherit([...enterArgv(meta, node), ...cmd], env);
}

export async function shellCmd(lab: string, node: string): Promise<number> {
  requireRoot("netlab shell");
  const meta = await requireUp(lab);
  const shell = process.env.SHELL || "/bin/bash";
  const env = { ...processEnv(meta.lab.name), NETLAB_NODE: node, PS1: `[${meta.lab.name}:${node}] \\w# ` };
  process.stderr.write(`entering ${node} of ${meta.lab.name}; exit to leave\n`);
  return runInherit([...enterArgv(meta, node), shell], env);
}
