// One kind of operation: how --dry-run shows it, how the executor runs it, what it needs.
import type { Op } from "../../plan/ops.js";
import type { Context } from "../context.js";

export interface OpModule<O extends Op = Op> {
  /** The shell a human would type; --dry-run prints exactly this, and shell workers run it. */
  render(op: O): string;
  run(op: O, ctx: Context): Promise<void>;
  /** Programs it runs, for preflight's "missing X: install Y". */
  tools(op: O): string[];
  /** A shell worker may run render(op) as it is (a namespace's own kernel tools, nothing to learn back). */
  shellable?(op: O): boolean;
  /** Still runs when the host namespace is gone: it only updates netlab's own records. */
  hostless?: boolean;
}
