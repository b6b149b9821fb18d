import { writeOutput } from "../../output-file.js";
import { composeOf, type ComposeFlags } from "../compose-options.js";
import { graphFormat, graphLab, renderGraph } from "../../graph/graph.js";

export async function graphCmd(ref: string, opts: { format?: string; output?: string } & ComposeFlags): Promise<number> {
  const format = graphFormat(opts.format, opts.output);
  const text = await renderGraph(await graphLab(ref, composeOf(opts)), format);
  if (opts.output) writeOutput(opts.output, text, { overwrite: true });
  else process.stdout.write(text);
  return 0;
}
