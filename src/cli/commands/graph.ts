import { writeOutput } from "../../output-file.js";
import { graphFormat, graphLab, renderGraph } from "../../graph/graph.js";

export async function graphCmd(ref: string, opts: { format?: string; output?: string }): Promise<number> {
  const format = graphFormat(opts.format, opts.output);
  const text = await renderGraph(await graphLab(ref), format);
  if (opts.output) writeOutput(opts.output, text, { overwrite: true });
  else process.stdout.write(text);
  return 0;
}
