// The vocabulary of a plan: types only. Each Op is one process (or one file write) and plain
// data, so that the journal can store undo ops; how each one renders for --dry-run and runs is
// its module in runtime/ops/.

/** ns: a namespace name, or null for the lab's host namespace (where netlab was started). */
export type Ns = string | null;

export type Op =
  /**
   * `ip -batch -` in NS: one process for many objects. force: keep going past errors (undo); "report": past errors, then fail if any line did (apply).
   * sysctls (a node's own namespace only): written through /proc/sys by a shell that then
   * becomes `ip`, so a router costs no extra `sysctl` process.
   */
  | { op: "ip"; ns: Ns; lines: string[]; force?: boolean | "report"; sysctls?: Record<string, string> }
  /** `bridge -batch -` in NS: forwarding database entries (a VXLAN device's remote hosts). */
  | { op: "bridge"; ns: Ns; lines: string[] }
  /** `tc -batch -` in NS: root qdiscs for link impairments (netem, tbf); they go with their interfaces. */
  | { op: "tc"; ns: Ns; lines: string[] }
  /**
   * `iptables-restore --noflush` (or ip6tables-restore) of a ruleset: its chains declared and
   * filled, table by table; then its entry points ensured (added where missing, never twice).
   * With `owner`, a sync: the owner's chains the text no longer declares are removed. `whole`:
   * the text is only the chains that changed (apply), and this restore, of the whole tables, runs
   * if it fails — a chain it jumps to removed by hand (kube-proxy's full sync after a failed partial one).
   */
  | { op: "iptables"; ns: Ns; family: 4 | 6; text: string; jumps?: IptablesJump[]; owner?: string; whole?: string }
  /** Remove every rule and chain tagged for this lab from the tables, computed from the live ruleset. */
  | { op: "iptables-clean"; ns: Ns; family: 4 | 6; lab: string }
  /** Set sysctls. restore: in the shared host namespace, through the ledger, which keeps the values before netlab. */
  | { op: "sysctl"; ns: Ns; values: Record<string, string>; restore?: boolean }
  /** `ip route replace` of a route the host already has, after saving the host's own (journaled as route-restore). */
  | { op: "route-override"; ns: Ns; route: string }
  /** Undo of route-override: the lab's route out, the host's own routes back. */
  | { op: "route-restore"; ns: Ns; route: string; saved: string[] }
  /** The lab lets go of its host sysctls; what no lab holds any more goes back to its value before netlab. */
  | { op: "host-release"; ns: Ns; lab: string; sysctls: string[] }
  | { op: "write"; path: string; content: string }
  | { op: "symlink"; path: string; target: string }
  /**
   * `rm -rf path`; with `link`, only the symbolic link at path that points at `link` (what netlab
   * made there): a directory or file someone else put in its place is left alone.
   */
  | { op: "rm"; path: string; link?: string }
  /** A command run to completion inside the namespace; a non-zero exit fails the step. */
  | { op: "exec"; ns: Ns; cmd: string; who: string }
  /** A command left running in the background inside the namespace, output to log. */
  | { op: "spawn"; ns: Ns; cmd: string; log: string; who: string }
  /** Stop the `run:` service that writes to log (its journaled process group), for apply. */
  | { op: "stop"; who: string; log: string }
  /** Stop every process inside these namespaces (they are ours, so is everything in them). */
  | { op: "kill-ns"; names: string[] }
  /** `ipset restore -exist` in NS: sets and their members (`create NAME hash:ip`, `add NAME 10.0.0.1`). */
  | { op: "ipset"; ns: Ns; lines: string[] }
  /** `conntrack -D FILTER…` in NS, once per filter: flows whose address translation changed are forgotten. */
  | { op: "conntrack"; ns: Ns; deletes: string[][] }
  /** Undo of ipset: the sets destroyed (once nothing refers to them any more). */
  | { op: "ipset-destroy"; ns: Ns; sets: string[] };

export interface Step {
  id: string;
  title: string;
  ops: Op[];
  /** Run in reverse order by rollback and `down`; must succeed when things are already gone. */
  undo: Op[];
  /** Its first op's lines by the object they make (host-links: Wiring.hostParts), for apply. */
  parts?: { id: string; lines: string[]; undo?: string[] }[];
}

export interface Phase {
  name: string;
  /** Steps of a concurrent phase touch different namespaces and may run at once. */
  concurrent: boolean;
  steps: Step[];
}

export interface Plan {
  lab: string;
  phases: Phase[];
}

/** A jump from a built-in chain into a ruleset's chain: `-A|-I CHAIN SPEC` in TABLE (SPEC carries the owner's tag). */
export interface IptablesJump {
  table: "filter" | "nat" | "mangle" | "raw";
  chain: string;
  insert: boolean;
  spec: string;
}
