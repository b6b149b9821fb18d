import { writeOutput } from "../../output-file.js";
import { graphLab, renderGraph, type GraphFormat } from "../../graph/graph.js";

export async function graphCmd(ref: string, opts: { format?: string; output?: string }): Promise<number> {
  const format = (opts.format ?? (opts.output?.endsWith(".svg") ? "svg" : opts.output?.endsWith(".dot") ? "dot" : "mermaid")) as GraphFormat;
  const text = await renderGraph(await graphLab(ref), format);
  if (opts.output) writeOutput(opts.output, text, { overwrite: true });
  else process.stdout.write(text);
  return 0;
}
