// `netlab graph`: the lab's topology as Mermaid, DOT or SVG, from a lab file or a lab that is up.
import { readFileSync } from "node:fs";
import { EnvError, UsageError } from "../errors.js";
import { findLabFile } from "../lab/find.js";
import { labFromText } from "../lab/load.js";
import type { Lab } from "../lab/model.js";
import { spawn } from "node:child_process";
import type { ComposeOptions } from "../compose/env.js";
import { hasTool } from "../runtime/tools.js";
import { toDot } from "./dot.js";
import { toMermaid } from "./mermaid.js";
import { topology } from "./topology.js";

export const GRAPH_FORMATS = ["mermaid", "dot", "svg", "png"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** File name endings and the format each one means. */
const BY_EXTENSION: Record<string, GraphFormat> = { ".mmd": "mermaid", ".mermaid": "mermaid", ".md": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png" };

/**
 * The format to write: --format, else the output file's extension, else mermaid. An output file
 * whose extension names another format, or none netlab knows, is a UsageError (exit 2): writing
 * Mermaid text into x.png helps nobody.
 */
export function graphFormat(format: string | undefined, output: string | undefined): GraphFormat {
  if (output && /^(-|\/dev\/stdout|\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)$/.test(output)) output = undefined; // a stream: no name to go by
  const ext = output ? /\.[^./]+$/.exec(output)?.[0]?.toLowerCase() : undefined;
  const meant = ext ? BY_EXTENSION[ext] : undefined;
  if (output && !meant && !format) throw new UsageError(`cannot tell the format of ${output} from its name`, `end it in ${Object.keys(BY_EXTENSION).join(", ")}, or give --format`);
  if (format && meant && format !== meant) throw new UsageError(`${output} is named like a ${meant} file, but --format says ${format}`, `name it *.${format === "mermaid" ? "mmd" : format}, or drop --format`);
  return (format as GraphFormat | undefined) ?? meant ?? "mermaid";
}

/** A lab that is up (as it was built), else the lab file the reference names. */
export async function graphLab(ref: string, compose?: ComposeOptions): Promise<Lab> {
  const { findState } = await import("../running.js");
  const meta = (await findState(ref, compose).catch(() => null))?.readMeta();
  if (meta) return meta.lab;
  const file = findLabFile(ref);
  if (!file) throw new UsageError(`no lab "${ref}": neither a lab that is up nor a lab file`, "netlab labs lists the shipped labs; netlab status the labs that are up");
  return labFromText(readFileSync(file, "utf8"), file, { compose });
}

/** The picture: text for mermaid, dot and svg; PNG bytes (through Graphviz) for png. */
export async function renderGraph(lab: Lab, format: GraphFormat): Promise<string | Buffer> {
  const t = topology(lab);
  if (format === "mermaid") return toMermaid(t);
  const dot = toDot(t);
  if (format === "dot") return dot;
  if (!hasTool("dot")) throw new EnvError(`missing dot (Graphviz), which draws the ${format.toUpperCase()}`, "install the package graphviz (apt-get install graphviz), or use --format mermaid or dot");
  const r = await runBytes(["dot", `-T${format}`], dot);
  if (r.code !== 0) throw new EnvError(`dot failed: ${r.stderr.trim()}`, "check the Graphviz installation (dot -V)");
  return format === "svg" ? r.stdout.toString() : r.stdout;
}

/** A program's exit code, stdout as bytes (a PNG is not text) and stderr. */
function runBytes(argv: string[], input: string): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", (e) => resolve({ code: 127, stdout: Buffer.alloc(0), stderr: e.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(input);
  });
}
