// Pass: no two networks or links with overlapping prefixes (a sorted sweep: O(n log n) for big generated labs).
import { formatPrefix, overlaps } from "../../net/ip.js";
import { Ctx } from "./context.js";

export function overlapsPass(c: Ctx): void {
  const { P, seenPrefixes } = c;
  for (const fam of [4, 6] as const) {
    const list = seenPrefixes.filter((s) => s.p.family === fam).sort((a, b) => (a.p.addr < b.p.addr ? -1 : a.p.addr > b.p.addr ? 1 : a.p.len - b.p.len));
    let widest: (typeof list)[number] | undefined;
    for (const s of list) {
      if (widest && overlaps(widest.p, s.p)) {
        if (!(widest.what === s.what && formatPrefix(widest.p) === formatPrefix(s.p)))
          P.add(s.path, `${formatPrefix(s.p)} (${s.what}) overlaps ${formatPrefix(widest.p)} (${widest.what})`, "give every network and link its own, non-overlapping subnet");
      }
      const endOf = (x: (typeof list)[number]) => x.p.addr + (1n << BigInt((fam === 4 ? 32 : 128) - x.p.len));
      if (!widest || endOf(s) > endOf(widest)) widest = s;
    }
  }

}
