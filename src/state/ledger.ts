// Shared host resources. Several labs can be up in one host namespace, and some things they
// change there are not theirs alone: `net.ipv4.ip_forward`, an iptables table that only
// netlab's rules brought into being. The ledger records, per host namespace, each such thing
// with its value before the first lab changed it and the labs holding it; the last lab to
// let go restores it. Read and written under a kernel-held lock (lock.ts).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquire } from "./lock.js";
import { lockWaitMs, LabState, secureDir, STATE_ROOT, untrustedFile } from "./store.js";

export interface Ledger {
  /** The host namespace (`net:[inode]`) this ledger is about. */
  host: string;
  /** sysctl key → its value before netlab, the value the labs set, and the labs holding it. */
  sysctls: Record<string, { original: string; value: string; labs: string[] }>;
  /** "4:nat" → the labs whose rules live in a table that netlab's rules created. */
  tables: Record<string, { labs: string[] }>;
}

function ino(host: string): string {
  return /\[(\d+)\]/.exec(host)?.[1] ?? "unknown";
}

export function ledgerPath(host: string, root = STATE_ROOT): string {
  return join(root, `.host-${ino(host)}.json`);
}

/** The ledger as it is now (no lock: for read-only checks such as preflight and status). */
export function readLedger(host: string, root = STATE_ROOT): Ledger {
  const path = ledgerPath(host, root);
  const empty: Ledger = { host, sysctls: {}, tables: {} };
  if (!existsSync(path)) return empty;
  const why = untrustedFile(path);
  if (why) throw new Error(`the host ledger cannot be trusted: ${why}`);
  try {
    const l = JSON.parse(readFileSync(path, "utf8")) as Ledger;
    // A namespace's inode can be reused once it is gone: a ledger of another namespace is stale.
    return l.host === host ? { host, sysctls: l.sysctls ?? {}, tables: l.tables ?? {} } : empty;
  } catch {
    return empty;
  }
}

/**
 * Runs `fn` on the ledger of `host` under its lock and saves what it leaves (removing the file
 * when nothing is held). Holders whose state is gone are dropped first: they cannot let go.
 */
export async function withLedger<T>(host: string, fn: (l: Ledger) => Promise<T> | T, root = STATE_ROOT): Promise<T> {
  secureDir(root, 0o755);
  const path = ledgerPath(host, root);
  const release = await acquire(`${path}.lock`, { waitMs: lockWaitMs(), what: "the host ledger" });
  try {
    const l = readLedger(host, root);
    const live = (lab: string) => new LabState(lab, root).exists();
    for (const e of [...Object.values(l.sysctls), ...Object.values(l.tables)]) e.labs = e.labs.filter(live);
    const out = await fn(l);
    for (const [k, e] of Object.entries(l.tables)) if (!e.labs.length) delete l.tables[k];
    if (!Object.keys(l.sysctls).length && !Object.keys(l.tables).length) rmSync(path, { force: true });
    else {
      writeFileSync(`${path}.new`, JSON.stringify(l), { mode: 0o600 });
      renameSync(`${path}.new`, path);
    }
    return out;
  } finally {
    release();
  }
}

/** A sysctl value another lab holds in this host namespace that differs from `value`, if any. */
export function heldElsewhere(l: Ledger, lab: string, key: string, value: string): { lab: string; value: string } | null {
  const e = l.sysctls[key];
  const other = e?.labs.find((x) => x !== lab);
  return e && other && e.value !== value ? { lab: other, value: e.value } : null;
}
