import { createReadStream, readdirSync } from "node:fs";
import { join } from "node:path";
import { requireUp } from "../../running.js";
import { serveDns } from "../../dns/server.js";
import { versionOf } from "../../dns/servers.js";
import { UsageError } from "../../errors.js";
import { flatName } from "../../net/names.js";
import { requireRoot } from "../../runtime/tools.js";
import { LabState } from "../../state/store.js";
import { runInherit } from "./exec.js";

/**
 * `netlab logs LAB NODE`: what NODE's `run` commands printed (`host`: the host's); `netlab logs
 * LAB --dns`: the DNS server's query log. `netlab logs LAB dns` is the DNS server's log unless
 * the lab has a node named dns — a node's name always means that node. Exit 0; 1 when a log
 * cannot be read (said on stderr); 2 for a node the lab does not have.
 */
export async function logsCmd(lab: string, given: string | undefined, opts: { dns?: boolean; follow?: boolean; tail?: string; namespace?: string } = {}): Promise<number> {
  const what = given !== undefined && opts.namespace && opts.namespace !== "default" && !given.includes("/") ? `${opts.namespace}/${given}` : given;
  const tail = opts.tail === undefined ? undefined : Number(opts.tail);
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new UsageError(`--tail ${opts.tail}: not a number of lines`, "e.g. --tail 20");
  requireRoot("netlab logs");
  const meta = await requireUp(lab);
  const dir = new LabState(meta.lab.name).logDir;
  const nodes = meta.lab.nodes.map((n) => n.name);
  if (opts.dns && what !== undefined) throw new UsageError("netlab logs takes a node or --dns, not both", `the DNS server's log: netlab logs ${meta.lab.name} --dns`);
  // The cluster DNS's pod runs the DNS server: its log is the query log.
  const dns = opts.dns || (what === "dns" && !nodes.includes("dns")) || (!!what && what === meta.lab.kube?.dns.pod);
  if (!dns && what === undefined) throw new UsageError("which logs? name a node, or --dns for the DNS server's", `logs of: --dns, ${["host", ...nodes].join(", ")}`);
  if (!dns && what !== "host" && !nodes.includes(what!)) throw new UsageError(`lab ${meta.lab.name} has no node "${what}"`, `logs of: --dns, ${["host", ...nodes].join(", ")}`);
  if (what === "dns" && !dns) process.stderr.write(`(node dns's output; the DNS server's query log: netlab logs ${meta.lab.name} --dns)\n`);
  const files = dns ? ["dns.log.1", "dns.log"].filter((f) => readdirSync(dir).includes(f)) : nodeLogs(readdirSync(dir), what!);
  if (opts.follow || tail !== undefined) {
    // tail(1) does it: -F follows dns.log across its rotation, and waits for a file not made yet.
    const paths = (opts.follow && dns ? ["dns.log"] : files.length ? files : nodeLogs([`${flatName(what!)}-0.log`], what!)).map((f) => join(dir, f));
    const code = await runInherit(["tail", "-q", "-n", tail === undefined ? "+1" : String(tail), ...(opts.follow ? ["-F"] : []), ...paths], process.env);
    return code === 130 ? 0 : code; // Ctrl-C is how -f ends
  }
  if (!files.length) {
    process.stderr.write(dns ? "no queries logged yet\n" : `no logs of ${what} yet\n`);
    return 0;
  }
  for (const f of files) {
    const err = await copy(join(dir, f));
    if (err) {
      process.stderr.write(`netlab logs: cannot read ${join(dir, f)}: ${err.message}\n`);
      return 1;
    }
  }
  return 0;
}

/** A node's log files, `<node>-<n>.log` exactly (so web's are not web-1's; `NS.POD` for `NS/POD`), in the order of its run commands. */
export function nodeLogs(files: string[], name: string): string[] {
  const node = flatName(name);
  const index = (f: string) => (f.startsWith(`${node}-`) && /^\d+\.log$/.test(f.slice(node.length + 1)) ? Number(f.slice(node.length + 1, -4)) : -1);
  return files.filter((f) => index(f) >= 0).sort((a, b) => index(a) - index(b));
}

/** Streams a file to stdout (any size: a read is not one string). Resolves to the error that stopped it; a file gone since the listing is not one. */
function copy(path: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const src = createReadStream(path);
    src.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ENOENT" ? null : e));
    src.on("end", () => resolve(null));
    src.on("data", (chunk) => {
      if (!process.stdout.write(chunk)) {
        src.pause();
        process.stdout.once("drain", () => src.resume());
      }
    });
    // A reader that stopped early (`| head`): the rest is dropped, as main.ts drops it.
    process.stdout.once("error", () => {
      src.destroy();
      resolve(null);
    });
  });
}

/** `netlab dns-server LAB` (started by `up`): serves the lab's names until SIGTERM; SIGHUP reads them again. */
export async function dnsServerCmd(lab: string, opts: { in?: string } = {}): Promise<number> {
  requireRoot("netlab dns-server");
  const meta = await requireUp(lab);
  const state = new LabState(meta.lab.name);
  // apply sends SIGHUP once the new version is recorded: the records are read again from it.
  const reload = () => {
    const now = state.readMeta();
    return now ? { lab: now.lab, version: versionOf(now.hash) } : null;
  };
  await serveDns(meta.lab, join(state.logDir, "dns.log"), reload, opts.in ?? null);
  return 0;
}
