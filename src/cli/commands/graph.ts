import { writeFileSync } from "node:fs";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { graphLab, renderGraph, type GraphFormat } from "../../graph/graph.js";

export async function graphCmd(ref: string, opts: { format?: string; output?: string } & ComposeFlags): Promise<number> {
  const format = (opts.format ?? (opts.output?.endsWith(".svg") ? "svg" : opts.output?.endsWith(".dot") ? "dot" : "mermaid")) as GraphFormat;
  const text = await renderGraph(await graphLab(ref, composeOf(opts)), format);
  if (opts.output) writeFileSync(opts.output, text);
  else process.stdout.write(text);
  return 0;
}
