// `netlab graph`: the lab's topology as Mermaid, DOT or SVG, from a lab file or a lab that is up.
import { readFileSync } from "node:fs";
import { EnvError, UsageError } from "../errors.js";
import { findLabFile } from "../lab/find.js";
import { labFromText } from "../lab/load.js";
import type { Lab } from "../lab/model.js";
import type { ComposeOptions } from "../compose/env.js";
import { run } from "../runtime/proc.js";
import { hasTool } from "../runtime/tools.js";
import { toDot } from "./dot.js";
import { toMermaid } from "./mermaid.js";
import { topology } from "./topology.js";

export type GraphFormat = "mermaid" | "dot" | "svg";

/** A lab that is up (as it was built), else the lab file the reference names. */
export async function graphLab(ref: string, compose?: ComposeOptions): Promise<Lab> {
  const { findState } = await import("../teardown.js");
  const meta = (await findState(ref, compose).catch(() => null))?.readMeta();
  if (meta) return meta.lab;
  const file = findLabFile(ref);
  if (!file) throw new UsageError(`no lab "${ref}": neither a lab that is up nor a lab file`, "netlab labs lists the shipped labs; netlab status the labs that are up");
  return labFromText(readFileSync(file, "utf8"), file, { compose });
}

export async function renderGraph(lab: Lab, format: GraphFormat): Promise<string> {
  const t = topology(lab);
  if (format === "mermaid") return toMermaid(t);
  const dot = toDot(t);
  if (format === "dot") return dot;
  if (!hasTool("dot")) throw new EnvError("missing dot (Graphviz), which draws the SVG", "install the package graphviz (apt-get install graphviz), or use --format mermaid or dot");
  const r = await run(["dot", "-Tsvg"], dot);
  if (r.code !== 0) throw new EnvError(`dot failed: ${r.stderr.trim()}`, "check the Graphviz installation (dot -V)");
  return r.stdout;
}
