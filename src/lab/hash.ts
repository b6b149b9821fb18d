// A lab's identity in the kernel: what apply and up compare to learn whether anything changed.
import { sha256 } from "../digest.js";
import type { Lab } from "./model.js";

/**
 * Identity of what a lab makes in the kernel: checks change nothing there, so they are left out.
 * Once per loaded lab (a lab is not changed after loading): apply asks five times, 8 ms each at 1,000 nodes.
 */
export function labHash(lab: Lab): string {
  const hit = hashes.get(lab);
  if (hit) return hit;
  const h = sha256(JSON.stringify({ ...lab, file: "", checks: [], retired: undefined })).toString("hex").slice(0, 16);
  hashes.set(lab, h);
  return h;
}
const hashes = new WeakMap<Lab, string>();
