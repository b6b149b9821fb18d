// A host route that replaces one the host already has (`replace: true`): the host's own is
// saved and journaled (as route-restore) just before, so that `down` gives it back.
import type { Op } from "../../plan/ops.js";
import { reAddable, routeKey } from "../../net/route.js";
import { inNs } from "../context.js";
import { run } from "../proc.js";
import { ip } from "./ip.js";
import type { OpModule } from "./op.js";

export const routeOverride: OpModule<Extract<Op, { op: "route-override" }>> = {
  render: (op) => `# the host's own route to this destination is saved first and put back by netlab down\n${ip.render({ op: "ip", ns: op.ns, lines: [`route replace ${op.route}`] })}`,
  async run(op, ctx) {
    const key = routeKey(op.route)!;
    const shown = await run(inNs(ctx, op.ns, ["ip", `-${key.family}`, "-o", "route", "show", "exact", key.dst, "table", key.table]));
    const saved = shown.stdout.split("\n").filter(Boolean).map(reAddable).map((r) => (key.table === "main" || / table /.test(r) ? r : `${r} table ${key.table}`));
    // Journaled before the change: a crash right after still gives the host its route back.
    ctx.state?.append({ t: "begin", id: `route-restore ${op.route}`, undo: [{ op: "route-restore", ns: op.ns, route: op.route, saved }] });
    await ip.run({ op: "ip", ns: op.ns, lines: [`route replace ${op.route}`] }, ctx);
  },
  tools: () => ["ip"],
};
