// The environment netlab gives the commands it runs for a lab.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { STATE_ROOT } from "../state/paths.js";

export const BIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin");

/**
 * What marks a process as one this instance of the lab started: NETLAB_INSTANCE (see
 * Meta.instance) when the lab has one. NETLAB_LAB alone is for people: two sandboxes may run a
 * lab of the same name, and neither's down or clean may touch the other's processes.
 */
const mark = (lab: string, instance?: string | null): NodeJS.ProcessEnv => (instance ? { NETLAB_LAB: lab, NETLAB_INSTANCE: instance } : { NETLAB_LAB: lab });

/** netlab's bin/ first on PATH (so `run: netlab serve …` works), and the lab's name and instance. */
export function processEnv(lab: string, instance?: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN_DIR}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`, ...mark(lab, instance) };
  if (!instance) delete env.NETLAB_INSTANCE; // netlab's own, from another lab: not this one's
  return env;
}

/** The variables a lab's own commands (`run`, `exec`) get from netlab's environment; nothing else passes. */
export const PASSED_ENV = ["HOME", "LANG", "LC_ALL", "TZ", "NO_COLOR"];
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The environment of what netlab starts for a lab: a small, fixed set, so that a service that
 * runs for hours does not carry root's SUDO_*, SSH_AUTH_SOCK or tokens. PATH is netlab's bin/
 * (for `netlab serve`) and the system's directories.
 */
export function labEnv(lab: string, instance?: string | null): NodeJS.ProcessEnv {
  // NETLAB_STATE: a root-only directory of the lab's, gone after down (a daemon's control socket).
  const env: NodeJS.ProcessEnv = { PATH: `${BIN_DIR}:${SYSTEM_PATH}`, ...mark(lab, instance), NETLAB_STATE: `${STATE_ROOT}/${lab}` };
  for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
  return env;
}

/**
 * Marks netlab itself (and so every tool it starts) as working for this instance of the lab,
 * dropping what it inherited from a caller that was itself one of netlab's commands (a `netlab
 * up` typed inside `netlab shell` must not look like that node's process).
 */
export function markSelf(lab: string, instance?: string | null): void {
  for (const k of ["NETLAB_NODE", "NETLAB_RUN", "NETLAB_INSTANCE"]) delete process.env[k];
  Object.assign(process.env, mark(lab, instance));
}
