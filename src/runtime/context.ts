// What every op runs with, and how it reaches a namespace.
import type { Ns, Op } from "../plan/ops.js";
import type { LabState } from "../state/store.js";
import { NETNS_DIR } from "./netns.js";
import { run } from "./proc.js";
import { OpFailure } from "../errors.js";

export interface Context {
  /** The lab the ops belong to. */
  lab: string;
  /** The host namespace's id (`net:[inode]`): the key of its shared-resource ledger. */
  hostId: string;
  /** argv prefix reaching the lab's host namespace from here ([] when we are in it). */
  hostWrap: string[];
  /** The host namespace no longer exists: whatever lived there went with it, so host ops are skipped. */
  hostGone?: boolean;
  state: LabState | null;
  env: NodeJS.ProcessEnv;
  progress?: (msg: string) => void;
  /** For tests of crash recovery: called after each phase. */
  afterPhase?: (name: string) => Promise<void> | void;
  /**
   * The host's iptables-save by family, made by holdTables just before the phase that loads the
   * host's rules: that phase's first load syncs against it instead of saving again (only netlab
   * writes a lab's own rules, and nothing of the phase before the load touches iptables).
   */
  saved?: Map<4 | 6, string>;
}

export { OpFailure };

/** netlab's own tools need only the network namespace: nsenter --net, no mount-table copy. */
export function inNs(ctx: Context, ns: Ns, argv: string[]): string[] {
  return ns === null ? [...ctx.hostWrap, ...argv] : ["nsenter", `--net=${NETNS_DIR}/${ns}`, ...argv];
}

/** User commands get `ip netns exec`, which also mounts /etc/netns/<ns>/* for name resolution. */
export function inNsForUser(ctx: Context, ns: Ns, argv: string[]): string[] {
  return ns === null ? [...ctx.hostWrap, ...argv] : ["ip", "netns", "exec", ns, ...argv];
}

export async function mustRun(op: Op, argv: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(argv, input, env);
  if (r.code !== 0) {
    throw new OpFailure(argv.join(" "), (r.stderr || r.stdout).trim() || `exit status ${r.code}`, op);
  }
  return r.stdout;
}
