// A bridge port's hairpin follows publishing (a member that publishes ports may send a frame back
// out of itself): compared apart from the rest of a node's batch, turned on or off in place.
import type { Op, Plan } from "../plan/ops.js";
import type { Change } from "./in-place.js";
import { ownedBy } from "./members.js";

/** A bridge port that may send a frame back out of itself (a member that publishes ports). */
export const HAIRPIN = /^link set dev \S+ type bridge_slave hairpin on$/;

/** The hairpin lines of the ports of nodes that stay, by namespace (JSON of its Ns). */
function hairpinLines(p: Plan, moving: Set<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of p.phases.flatMap((ph) => ph.steps))
    if (s.parts && s.ops[0]?.op === "ip") {
      const key = JSON.stringify(s.ops[0].ns);
      const lines = s.parts.filter((x) => !ownedBy(x.id, moving)).flatMap((x) => x.lines).filter((l) => HAIRPIN.test(l));
      out.set(key, [...(out.get(key) ?? []), ...lines]);
    }
  return out;
}

/** Hairpin on where the new version has it, off where a live version had it and the new does not. */
export function hairpins(olds: Plan[], b: Plan, moving: Set<string>): Change | null {
  const [was, will] = [olds.map((p) => hairpinLines(p, moving)), hairpinLines(b, moving)];
  const ops: Op[] = [];
  for (const key of new Set([...will.keys(), ...was.flatMap((w) => [...w.keys()])])) {
    const want = will.get(key) ?? [];
    const had = [...new Set(was.flatMap((w) => w.get(key) ?? []))];
    if (was.every((w) => (w.get(key) ?? []).join("\n") === want.join("\n"))) continue;
    const off = had.filter((l) => !want.includes(l)).map((l) => l.replace(/ on$/, " off"));
    if (want.length || off.length) ops.push({ op: "ip", ns: JSON.parse(key) as string | null, force: "report", lines: [...want, ...off] });
  }
  return ops.length ? { id: "hairpin", title: "bridge ports that publish (hairpin)", ops, undo: [], holds: [] } : null;
}
