import { spawn } from "node:child_process";
import { enterArgv, processEnv, requireUp } from "../../api.js";
import { UsageError } from "../../lab/errors.js";
import { requireRoot } from "../../runtime/preflight.js";

function runInherit(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "inherit", env });
    // The child owns the terminal: let it see Ctrl-C; we just wait for its exit status.
    const ignore = () => {};
    process.on("SIGINT", ignore);
    child.on("error", (e) => {
      process.stderr.write(`netlab: ${e.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", ignore);
      resolve(code ?? (signal ? 128 + (({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1) : 1));
    });
  });
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
