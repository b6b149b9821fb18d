import { inspect } from "../../api.js";
import { c, table } from "../output.js";

export async function inspectCmd(ref: string, node: string | undefined, opts: { json?: boolean }): Promise<number> {
  const r = await inspect(ref, node);
  if (opts.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return 0;
  }
  for (const n of r.nodes) {
    process.stdout.write(`${c.bold(n.name)} ${c.dim(`(namespace ${n.namespace})`)}\n`);
    if (n.interfaces.length)
      process.stdout.write(indent(table(["INTERFACE", "STATE", "MTU", "ADDRESSES", "MASTER", "IMPAIRMENT", ...(n.interfaces.some((i) => i.of) ? ["WHAT"] : [])], n.interfaces.map((i) => [i.name, i.state, String(i.mtu), i.addresses.join(" ") || "-", i.master ?? "", i.qdisc ?? "", ...(i.of ? [i.of] : [])]))) + "\n");
    if (n.routes.length) process.stdout.write(indent(c.bold("ROUTES") + "\n" + n.routes.join("\n")) + "\n");
    if (n.processes.length) process.stdout.write(indent(table(["PID", "PROCESS"], n.processes.map((p) => [String(p.pid), p.cmd]))) + "\n");
    process.stdout.write("\n");
  }
  return 0;
}

const indent = (s: string) => s.split("\n").map((l) => "  " + l).join("\n");
