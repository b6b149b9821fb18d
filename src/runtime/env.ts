// The environment netlab gives the commands it runs for a lab.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin");

/** netlab's bin/ first on PATH (so `run: netlab serve …` works), and the lab's name. */
export function processEnv(lab: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${BIN_DIR}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`, NETLAB_LAB: lab };
}
