// The lab lets go of its host sysctls; the last lab holding one restores it (ledger).
import type { Op } from "../../plan/ops.js";
import { releaseHost } from "../shared.js";
import type { OpModule } from "./op.js";

export const hostRelease: OpModule<Extract<Op, { op: "host-release" }>> = {
  render: (op) => `# ${op.lab} lets go of host sysctls ${op.sysctls.join(", ")}; the last lab holding one restores it`,
  run: releaseHost,
  tools: () => [],
  hostless: true,
};
