import { spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { shQuote } from "../../shell.js";
import { enterArgv, requireUp } from "../../running.js";
import { processEnv } from "../../runtime/env.js";
import { UsageError } from "../../errors.js";
import { requireRoot } from "../../runtime/tools.js";

/** The command owns the terminal: stdin, stdout (or the descriptor `stdout`) and stderr pass through, and so does its exit status. */
export async function runInherit(argv: string[], env: NodeJS.ProcessEnv, stdout?: number): Promise<number> {
  const ignore = () => {}; // Ctrl-C is for the command; we just wait for it
  process.on("SIGINT", ignore);
  try {
    // Plain child_process: execa would cost ~0.2 s of start-up on every `netlab exec`.
    const child = spawn(argv[0], argv.slice(1), { stdio: ["inherit", stdout ?? "inherit", "inherit"], env });
    return await new Promise<number>((resolve) => {
      child.once("error", (e: NodeJS.ErrnoException) => {
        process.stderr.write(`${argv[0]}: ${e.code === "ENOENT" ? "command not found" : e.message}\n`);
        resolve(e.code === "ENOENT" ? 127 : 126);
      });
      child.once("close", (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 1) : 1)));
    });
  } finally {
    process.off("SIGINT", ignore);
  }
}

/** kubectl's `-n NS` before or after the pod (`exec LAB -n shop client -- …`, `exec LAB client -n shop -- …`): the node NS/POD. */
function namespaced(node: string, cmd: string[]): [string, string[]] {
  const flag = (w?: string) => w === "-n" || w === "--namespace";
  if (flag(node) && cmd.length >= 2) return [`${cmd[0]}/${cmd[1]}`, cmd.slice(2)];
  if (flag(cmd[0]) && cmd.length >= 2) return [`${cmd[1]}/${node}`, cmd.slice(2)];
  return [node, cmd];
}

export async function execCmd(lab: string, given: string, args: string[]): Promise<number> {
  let [node, cmd] = namespaced(given, args);
  if (cmd[0] === "--") cmd = cmd.slice(1);
  if (!cmd.length) throw new UsageError("no command given", `netlab exec ${lab} ${node} -- ping -c1 10.0.0.1`);
  requireRoot("netlab exec");
  const meta = await requireUp(lab);
  const enter = enterArgv(meta, node); // an unknown node is said first, before the command is looked for
  const env: NodeJS.ProcessEnv = { ...processEnv(meta.lab.name, meta.instance), NETLAB_NODE: node };
  // A node shares the machine's files (all but /etc): a command missing here is missing there,
  // and a shell says so with 127 (126: found, not executable); `ip netns exec` would say 255.
  const missing = unrunnable(cmd[0], env.PATH ?? "");
  if (missing) {
    process.stderr.write(`netlab exec: ${cmd[0]}: ${missing === 127 ? "command not found" : "permission denied"}\n`);
    return missing;
  }
  return runInherit([...enter, ...cmd], env);
}

/** 127 when `cmd` is found nowhere on PATH (or at its path), 126 when found but not executable, else 0. */
export function unrunnable(cmd: string, path: string): 0 | 126 | 127 {
  const candidates = cmd.includes("/") ? [cmd] : path.split(":").filter(Boolean).map((d) => join(d, cmd));
  let found = false;
  for (const f of candidates) {
    try {
      if (!statSync(f).isFile()) continue;
      found = true;
      accessSync(f, constants.X_OK);
      return 0;
    } catch {
      /* not here */
    }
  }
  return found ? 126 : 127;
}

export async function shellCmd(lab: string, node: string): Promise<number> {
  requireRoot("netlab shell");
  const meta = await requireUp(lab);
  const enter = enterArgv(meta, node);
  const tmp = mkdtempSync(join(tmpdir(), "netlab-shell-"));
  try {
    const { argv, env } = promptShell(process.env.SHELL || "/bin/bash", `${meta.lab.name}:${node}`, tmp);
    process.stderr.write(`entering ${node} of ${meta.lab.name}; exit to leave\n`);
    return await runInherit([...enter, ...argv], { ...processEnv(meta.lab.name, meta.instance), NETLAB_NODE: node, ...env });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The user's own shell, with "[lab:node] " before the user's own prompt (as Mininet's
 * `mininet:h1`), so a student can tell red from blue from the host. Shells set their prompt
 * from their rc files after the environment, so the prefix is added after those run: bash
 * through an --rcfile that sources the usual ones, zsh through ZDOTDIR, dash/sh through ENV,
 * fish through --init-command. rc files live in `dir`, private to this call.
 */
export function promptShell(shell: string, where: string, dir: string): { argv: string[]; env: NodeJS.ProcessEnv } {
  const tag = `[${where}] `;
  const name = basename(shell);
  const write = (f: string, text: string) => writeFileSync(join(dir, f), text, { mode: 0o600 });
  if (name === "bash") {
    write("bashrc", `[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc\n[ -f ~/.bashrc ] && . ~/.bashrc\nPS1=${shQuote(tag)}"$PS1"\n`);
    return { argv: [shell, "--rcfile", join(dir, "bashrc"), "-i"], env: {} };
  }
  if (name === "zsh") {
    const home = process.env.ZDOTDIR ?? process.env.HOME ?? "";
    write(".zshrc", `ZDOTDIR=${shQuote(home)}\n[ -f "$ZDOTDIR/.zshrc" ] && . "$ZDOTDIR/.zshrc"\nPROMPT=${shQuote(tag)}"$PROMPT"\n`);
    return { argv: [shell, "-i"], env: { ZDOTDIR: dir } };
  }
  if (name === "fish") {
    return { argv: [shell, "--init-command", `functions -c fish_prompt __netlab_prompt; function fish_prompt; printf %s ${shQuote(tag)}; __netlab_prompt; end`], env: {} };
  }
  // dash, busybox sh, ksh: ENV is read by interactive shells; the user's own ENV file first.
  const own = process.env.ENV;
  write("shrc", `${own ? `[ -f ${shQuote(own)} ] && . ${shQuote(own)}\n` : ""}PS1=${shQuote(tag)}"\${PS1:-# }"\n`);
  return { argv: [shell, "-i"], env: { ENV: join(dir, "shrc") } };
}
