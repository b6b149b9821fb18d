import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requireUp } from "../../api.js";
import { UsageError } from "../../errors.js";
import { serveDns } from "../../dns/server.js";
import { requireRoot } from "../../runtime/tools.js";
import { LabState } from "../../state/store.js";

/** `netlab logs LAB dns`: the DNS server's query log; `netlab logs LAB NODE`: what the node's `run` commands printed. */
export async function logsCmd(lab: string, what: string): Promise<number> {
  requireRoot("netlab logs");
  const meta = await requireUp(lab);
  const dir = new LabState(meta.lab.name).logDir;
  const files = what === "dns" ? ["dns.log"] : readdirSync(dir).filter((f) => f.startsWith(`${what}-`) && f.endsWith(".log")).sort();
  if (!files.length) {
    const nodes = meta.lab.nodes.map((n) => n.name);
    if (what !== "dns" && !nodes.includes(what)) throw new UsageError(`lab ${meta.lab.name} has no node "${what}"`, `logs of: dns, ${nodes.join(", ")}`);
    process.stderr.write(`no logs of ${what} yet\n`);
    return 0;
  }
  for (const f of files) {
    try {
      process.stdout.write(readFileSync(join(dir, f), "utf8"));
    } catch {
      /* not written yet */
    }
  }
  return 0;
}

/** `netlab dns-server LAB` (started by `up`): serves the lab's names until SIGTERM. */
export async function dnsServerCmd(lab: string): Promise<number> {
  requireRoot("netlab dns-server");
  const meta = await requireUp(lab);
  await serveDns(meta.lab, join(new LabState(meta.lab.name).logDir, "dns.log"));
  return 0;
}
