// The environment netlab gives the commands it runs for a lab.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { STATE_ROOT } from "../state/paths.js";

export const BIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin");

/** netlab's bin/ first on PATH (so `run: netlab serve …` works), and the lab's name. */
export function processEnv(lab: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${BIN_DIR}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`, NETLAB_LAB: lab };
}

/** The variables a lab's own commands (`run`, `exec`) get from netlab's environment; nothing else passes. */
export const PASSED_ENV = ["HOME", "LANG", "LC_ALL", "TZ", "NO_COLOR"];
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The environment of what netlab starts for a lab: a small, fixed set, so that a service that
 * runs for hours does not carry root's SUDO_*, SSH_AUTH_SOCK or tokens. PATH is netlab's bin/
 * (for `netlab serve`) and the system's directories.
 */
export function labEnv(lab: string): NodeJS.ProcessEnv {
  // NETLAB_STATE: a root-only directory of the lab's, gone after down (a daemon's control socket).
  const env: NodeJS.ProcessEnv = { PATH: `${BIN_DIR}:${SYSTEM_PATH}`, NETLAB_LAB: lab, NETLAB_STATE: `${STATE_ROOT}/${lab}` };
  for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
  return env;
}
