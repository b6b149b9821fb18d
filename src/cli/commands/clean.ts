import { clean, type Found } from "../../clean.js";
import { chainGlob } from "../../net/netfilter.js";
import { c } from "../output.js";

function describe(f: Found): string[] {
  return [
    ...f.processes.map((p) => `process ${p.pid} (${p.cmd})`),
    ...f.namespaces.map((n) => `namespace ${n}`),
    ...f.links.map((l) => `interface ${l}`),
    ...f.iptables.map((i) => `${i.family === 4 ? "iptables" : "ip6tables"} rules and ${chainGlob(f.lab)} chains`),
    ...f.etc.map((e) => e),
    ...f.files.map((e) => e),
  ];
}

export async function cleanCmd(lab: string | undefined, opts: { all?: boolean; dryRun?: boolean; json?: boolean }): Promise<number> {
  const r = await clean({ lab, all: opts.all, dryRun: opts.dryRun });
  if (opts.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return 0;
  }
  for (const l of r.downed) process.stdout.write(`${c.bold(l)}: ${opts.dryRun ? "is up: would take it down (netlab down)" : "was up: taken down (netlab down)"}\n`);
  for (const f of r.cleaned) {
    process.stdout.write(`${c.bold(f.lab)}: ${opts.dryRun ? "would remove" : "removed"}\n`);
    for (const line of describe(f)) process.stdout.write(`  ${line}\n`);
  }
  for (const l of r.up) process.stdout.write(c.dim(`${l} is up (it has state): left to netlab down ${l}\n`));
  for (const e of r.elsewhere) process.stdout.write(c.dim(`${e.lab} is up in another mount namespace (its process ${e.pid} still sees its state there): left alone\n`));
  if (!r.cleaned.length && !r.downed.length) process.stdout.write(`nothing of netlab's without state${lab ? ` for lab ${lab}` : ""} — nothing to remove\n`);
  return 0;
}
