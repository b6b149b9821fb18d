// Compose names (services and networks: a-z A-Z 0-9 . _ -, any length) made into names a lab
// accepts (lowercase a-z 0-9 _ -, from a letter or digit, at most 32 characters), each one
// still distinct. Where a service's name had to change, its node answers to the old one too.
import { sha256 } from "../digest.js";

const MAX = 32;
const OK = /^[a-z0-9][a-z0-9_-]{0,31}$/;

const hash = (s: string) => sha256(s).toString("hex").slice(0, 6);

/** Compose name → lab name, for every name in `list`; `reserved` names are never given out. */
export function labSafeNames(list: string[], reserved: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set(reserved);
  // Names that need no change keep it, whatever their order: only the others can move.
  for (const n of list) if (OK.test(n) && !used.has(n)) (out.set(n, n), used.add(n));
  for (const n of list) {
    if (out.has(n)) continue;
    let s = n.toLowerCase().replace(/[^a-z0-9_-]/g, "-").replace(/^[^a-z0-9]+/, "");
    if (!s || s.length > MAX || used.has(s)) s = `${s.slice(0, MAX - 7).replace(/[-_]+$/, "") || "x"}-${hash(n)}`;
    out.set(n, s);
    used.add(s);
  }
  return out;
}
