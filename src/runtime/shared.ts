// The lab's host namespace is shared with the machine and with other labs: what netlab
// changes there that is not the lab's alone goes through the ledger (state/ledger.ts),
// so that the last lab to leave puts it back as it was before the first one came.
import { readFileSync, writeFileSync } from "node:fs";
import { cleanupScript, pristineTables, tablesIn } from "./iptables-live.js";
import type { Ns, Op, Step } from "../plan/ops.js";
import { procSys } from "../net/sysctl.js";
import { iptablesTool } from "./tools.js";
import { readLedger, withLedger, type Ledger } from "../state/ledger.js";
import { inNs, mustRun, OpFailure, type Context } from "./context.js";
import { hasTool } from "./tools.js";
import { run } from "./proc.js";

type SysctlOp = Extract<Op, { op: "sysctl" }>;
type ReleaseOp = Extract<Op, { op: "host-release" }>;
type CleanOp = Extract<Op, { op: "iptables-clean" }>;

const inProcess = (ctx: Context, ns: Ns) => ns === null && ctx.hostWrap.length === 0;

async function readSysctl(ctx: Context, op: Op, ns: Ns, key: string): Promise<string> {
  if (inProcess(ctx, ns)) {
    // /proc/sys/net shows the namespace of the reader, which is ours.
    try {
      return readFileSync(procSys(key), "utf8").trim();
    } catch (e) {
      throw new OpFailure(`sysctl ${key}`, `no such sysctl in this namespace (${(e as NodeJS.ErrnoException).code})`, op);
    }
  }
  procSys(key); // refuses a key that could leave /proc/sys/net
  return (await mustRun(op, inNs(ctx, ns, ["sysctl", "-n", key]))).trim();
}

/** Writes sysctls in the namespace; `lenient`: a setting of an interface that is gone (our bridge) is nothing to restore. */
export async function writeSysctls(ctx: Context, op: Op, ns: Ns, values: Record<string, string>, lenient = false): Promise<void> {
  const entries = Object.entries(values);
  if (!entries.length) return;
  if (inProcess(ctx, ns)) {
    for (const [k, v] of entries) {
      try {
        writeFileSync(procSys(k), v);
      } catch (e) {
        if (lenient && (e as NodeJS.ErrnoException).code === "ENOENT" && /\.conf\.[^.]+\./.test(k)) continue;
        throw new OpFailure(`sysctl -w ${k}=${v}`, `${(e as NodeJS.ErrnoException).code}: cannot set ${k}`, op);
      }
    }
    return;
  }
  // As --dry-run prints it; the key was checked to resolve below /proc/sys/net as sysctl(8) reads it.
  const args = entries.map(([k, v]) => (procSys(k), `${k}=${v}`));
  if (lenient) await run(inNs(ctx, ns, ["sysctl", "-q", "-e", "-w", ...args]));
  else await mustRun(op, inNs(ctx, ns, ["sysctl", "-q", "-w", ...args]));
}

/** Host sysctls: recorded in the ledger (first holder notes the value before netlab), then set. */
export async function holdSysctls(op: SysctlOp, ctx: Context): Promise<void> {
  await withLedger(ctx.hostId, async (l) => {
    for (const [k, v] of Object.entries(op.values)) {
      const e = l.sysctls[k];
      const other = e?.labs.find((x) => x !== ctx.lab);
      if (e && other && e.value !== v) throw new OpFailure(`sysctl -w ${k}=${v}`, `lab ${other} holds ${k}=${e.value} in this host namespace`, op);
      if (!e) l.sysctls[k] = { original: await readSysctl(ctx, op, op.ns, k), value: v, labs: [ctx.lab] };
      else {
        e.value = v;
        if (!e.labs.includes(ctx.lab)) e.labs.push(ctx.lab);
      }
    }
    await writeSysctls(ctx, op, op.ns, op.values);
  });
}

/** Lets go of the lab's host sysctls; whatever no lab holds any more goes back to its value before netlab. */
export async function releaseHost(op: ReleaseOp, ctx: Context): Promise<void> {
  await withLedger(ctx.hostId, async (l) => {
    for (const k of op.sysctls) {
      const e = l.sysctls[k];
      if (e) e.labs = e.labs.filter((x) => x !== op.lab);
    }
    await restoreUnheld(l, ctx, op);
  });
}

async function restoreUnheld(l: Ledger, ctx: Context, op: Op): Promise<void> {
  const restore: Record<string, string> = {};
  for (const [k, e] of Object.entries(l.sysctls))
    if (!e.labs.length) {
      restore[k] = e.original;
      delete l.sysctls[k];
    }
  if (!ctx.hostGone) await writeSysctls(ctx, op, null, restore, true);
}

/** The tables an iptables-restore input loads rules into. */
const tablesOf = (text: string) => tablesIn(text);

/**
 * Before the host's rules are loaded: the lab holds each table it loads into that does not
 * exist yet (loading rules brings it into being on nf_tables), or that another lab's rules
 * brought into being. The last holder removes it again once it is empty.
 */
export async function holdTables(steps: Step[], ctx: Context): Promise<void> {
  for (const family of [4, 6] as const) {
    const clean = steps.some((s) => s.undo.some((o) => o.op === "iptables-clean" && o.family === family));
    if (!clean) continue;
    const wanted = new Set(steps.flatMap((s) => s.ops).flatMap((o) => (o.op === "iptables" && o.ns === null && o.family === family ? tablesOf(o.text) : [])));
    if (!wanted.size) continue;
    // Held already (an apply of a lab that is up): nothing to learn from a save, nothing to record.
    const held = readLedger(ctx.hostId).tables;
    if ([...wanted].every((t) => held[`${family}:${t}`]?.labs.includes(ctx.lab))) continue;
    const r = await run(inNs(ctx, null, [iptablesTool(family, "-save")]));
    if (r.code === 0) (ctx.saved ??= new Map()).set(family, r.stdout);
    const existing = r.code === 0 ? tablesIn(r.stdout) : [];
    await withLedger(ctx.hostId, (l) => {
      for (const t of wanted) {
        const key = `${family}:${t}`;
        if (!existing.includes(t) || l.tables[key]) {
          l.tables[key] ??= { labs: [] };
          if (!l.tables[key].labs.includes(ctx.lab)) l.tables[key].labs.push(ctx.lab);
        }
      }
    });
  }
}

/**
 * Removes the lab's rules and chains (computed from the live ruleset) and the tables no other
 * lab holds that it leaves empty: on nf_tables such a table is deleted whole (`nft`), which
 * removes the lab's rules with it, and the rest of the script is restored. All under the
 * ledger's lock: a kill in between leaves a hold a later down still acts on, never a table
 * nobody holds, and no lab comes to hold a table between the save and its deletion.
 */
export async function cleanIptables(op: CleanOp, ctx: Context): Promise<void> {
  const tool = iptablesTool(op.family, "");
  if (op.ns === null) ctx.saved?.delete(op.family);
  await withLedger(ctx.hostId, async (l) => {
    const saved = await run(inNs(ctx, op.ns, [`${tool}-save`]));
    if (saved.code !== 0) return; // no iptables at all: nothing of ours can be there
    const unheld = Object.entries(l.tables).filter(([k, e]) => k.startsWith(`${op.family}:`) && e.labs.every((x) => x === op.lab)).map(([k]) => k.slice(2));
    const restore = (script: string) => mustRun(op, inNs(ctx, op.ns, [`${tool}-restore`, "--noflush"]), script);
    await removeLabRules(op.lab, op.family, saved.stdout, unheld, (argv) => inNs(ctx, op.ns, argv), restore);
    for (const [key, e] of Object.entries(l.tables)) if (key.startsWith(`${op.family}:`)) e.labs = e.labs.filter((x) => x !== op.lab);
  });
}

/**
 * Removes `lab`'s rules and chains from a namespace whose live ruleset is `save` (cleanupScript);
 * the tables of `mayDrop` that leaves empty are deleted whole where iptables is nf_tables (one
 * `nft` transaction, no restore for them; legacy tables cannot be removed), and a table nft would
 * not delete is emptied rule by rule after all. `restore` loads an iptables-restore --noflush
 * input there; `argvIn` reaches the namespace.
 */
export async function removeLabRules(lab: string, family: 4 | 6, save: string, mayDrop: string[], argvIn: (argv: string[]) => string[], restore: (script: string) => Promise<unknown>): Promise<void> {
  const nft = mayDrop.length > 0 && hasTool("nft") && (await nfTables(iptablesTool(family, ""), save));
  const drop = nft ? pristineTables(save, lab).filter((t) => mayDrop.includes(t)) : [];
  const emptied = async (only: (t: string) => boolean) => {
    const script = cleanupScript(save, lab, only);
    if (script) await restore(script);
  };
  await emptied((t) => !drop.includes(t));
  if (!drop.length) return;
  const fam = family === 4 ? "ip" : "ip6";
  if ((await run(argvIn(["nft", "-f", "-"]), drop.map((t) => `delete table ${fam} ${t}\n`).join(""))).code !== 0) await emptied((t) => drop.includes(t));
}

/** Whether `tool` is iptables over nf_tables: its save says so on its first line (no process), else `-V` does. */
async function nfTables(tool: string, save: string): Promise<boolean> {
  const m = /^# Generated by \S+ v\S+ \((nf_tables|legacy)\)/m.exec(save);
  return m ? m[1] === "nf_tables" : (await run([tool, "-V"])).stdout.includes("nf_tables");
}
