// A node's ipsets when its rules change in place: only the sets whose members differ are filled
// again (a policy applied to a 500-pod cluster refills its own sets, not every pod's), and the
// sets no version wants any more are destroyed once the restore stopped matching them.
import type { Op, Step } from "../plan/ops.js";

/** An ipset op's lines, by set: its create, flush and adds (setLines writes each set's together, create first). */
function setsIn(o: Op): Map<string, string> {
  const out = new Map<string, string>();
  if (o.op !== "ipset") return out;
  const ls = o.lines;
  let [name, from] = ["", 0];
  for (let i = 0; i <= ls.length; i++) {
    if (i < ls.length && !ls[i].startsWith("create ")) continue;
    if (name) out.set(name, ls.slice(from, i).join("\n"));
    if (i < ls.length) [name, from] = [ls[i].slice(7, ls[i].indexOf(" ", 7)), i];
  }
  return out;
}

/** An ipset op with only the sets whose membership differs from a live version's (a policy applied to a big cluster refills its own sets, not every pod's). */
export function changedSets(o: Op, present: Step[]): Op[] {
  if (o.op !== "ipset") return [o];
  const had = present.map((s) => new Map(s.ops.filter((x) => x.op === "ipset" && x.ns === o.ns).flatMap((x) => [...setsIn(x)])));
  const lines = [...setsIn(o)].filter(([name, text]) => had.some((h) => h.get(name) !== text)).flatMap(([, text]) => text.split("\n"));
  return lines.length ? [{ ...o, lines }] : [];
}

/** The ipsets a live version had and `b` has not (a policy deleted): destroyed once the restore above stopped matching them. */
export function staleSets(present: Step[], b: Step): Op[] {
  const sets = (s: Step) => s.ops.flatMap((o) => (o.op === "ipset" ? o.lines.filter((l) => l.startsWith("create ")).map((l) => l.split(" ")[1]) : []));
  const keep = new Set(sets(b));
  const gone = [...new Set(present.flatMap(sets))].filter((x) => !keep.has(x));
  const ns = b.ops.find((o) => o.op === "ipset" || o.op === "iptables")?.ns ?? null;
  return gone.length ? [{ op: "ipset", ns, lines: gone.map((x) => `destroy ${x}`) }] : [];
}
