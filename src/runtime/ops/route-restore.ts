// Undo of route-override: the lab's route out, the host's own routes back.
import type { Op } from "../../plan/ops.js";
import { ip } from "./ip.js";
import type { OpModule } from "./op.js";

type RouteRestore = Extract<Op, { op: "route-restore" }>;
const asIp = (op: RouteRestore): Extract<Op, { op: "ip" }> => ({ op: "ip", ns: op.ns, force: true, lines: [`route delete ${op.route}`, ...op.saved.map((r) => `route add ${r}`)] });

export const routeRestore: OpModule<RouteRestore> = {
  render: (op) => ip.render(asIp(op)),
  run: (op, ctx) => ip.run(asIp(op), ctx),
  tools: () => ["ip"],
};
