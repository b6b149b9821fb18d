// Pass: the checks.
import { resolveCheck } from "./checks.js";
import { Ctx } from "./context.js";

export function checksPass(c: Ctx): void {
  const { P, nodeNames, nodes, raw } = c;
  const checks = c.checks;
  (raw.checks ?? []).forEach((c, i) => {
    const ck = resolveCheck(P, c, i, (n) => n === "host" || nodes.has(n), nodeNames);
    if (ck) checks.push(ck);
  });

}
