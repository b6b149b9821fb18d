// Finding a lab file: `NAME` is a path, else ./labs/NAME.yaml, else a shipped lab.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SHIPPED_LABS = resolve(dirname(fileURLToPath(import.meta.url)), "../../labs");
const EXTS = [".yaml", ".yml", ".json"];

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Returns the lab file a reference names, or null. */
export function findLabFile(ref: string, cwd = process.cwd()): string | null {
  const direct = resolve(cwd, ref);
  if (isFile(direct)) return direct;
  if (ref.includes("/")) return null;
  // A lab's name: ./NAME.yaml (where `netlab init` writes it), ./labs/NAME.yaml, a shipped lab.
  for (const [dir, exts] of [[cwd, [".yaml", ".yml"]], [join(cwd, "labs"), EXTS], [SHIPPED_LABS, EXTS]] as const) {
    // bridge-lab.yaml is ./labs/bridge-lab.yaml, not ./labs/bridge-lab.yaml.yaml.
    for (const ext of /\.(ya?ml|json)$/.test(ref) ? [""] : exts) {
      const p = join(dir, ref + ext);
      if (isFile(p)) return p;
    }
  }
  return null;
}

export function shippedLabs(): string[] {
  if (!existsSync(SHIPPED_LABS)) return [];
  return readdirSync(SHIPPED_LABS).filter((f) => EXTS.some((e) => f.endsWith(e))).sort().map((f) => join(SHIPPED_LABS, f));
}

