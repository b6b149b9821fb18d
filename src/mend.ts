// A lab that is up already, as `up` finds it: this version whole (read without the lab's lock),
// or what was removed by hand made again (under it). And the plan of a lab on this machine.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { UpResult } from "./api.js";
import { dnsListening, dnsLogSize } from "./dns/waits.js";
import { UsageError } from "./errors.js";
import { readAsUp } from "./lab/diff.js";
import { labHash } from "./lab/hash.js";
import { digests, inputsOf, type Inputs } from "./lab/inputs.js";
import { sourceOf } from "./lab/load.js";
import type { Lab } from "./lab/model.js";
import { compile } from "./plan/compile.js";
import type { Plan } from "./plan/ops.js";
import type { Context } from "./runtime/apply.js";
import { drift } from "./runtime/drift.js";
import { labEnv } from "./runtime/env.js";
import { hostWrap } from "./runtime/netns.js";
import { repair } from "./runtime/repair.js";
import { NETNS_DIR } from "./runtime/netns.js";
import { shellMany, SHELL_WORKERS } from "./runtime/proc.js";
import { heredoc, shQuote } from "./shell.js";
import { hostSideNames } from "./teardown.js";
import { BUILD } from "./state/build.js";
import { writeSide } from "./state/side-file.js";
import { filesDirFor, LabState, type Meta } from "./state/store.js";
import { settled, whole } from "./unchanged.js";
import { remakeHint } from "./running.js";

/** What the long way's `up` says of a lab's files as it loads them (its first load, before any read against the version up). */
export type Said = Pick<NonNullable<ReturnType<typeof sourceOf>>, "warnings" | "notes">;

/**
 * Records what `lab`, the version now up (`hash`, its labHash), was loaded from, for the next
 * up's short way (src/unchanged.ts), with what the long way says of those files (`said`; null:
 * not known, so no record) and the directory they were named from (its messages' paths are
 * relative to it); none where that is not a set of files alone (lab/inputs.ts), nor for an
 * isolated lab the command was not given --isolated for (`isolated`: as given): apply keeps a lab
 * that is up isolated so, where `up` of the same file would not be.
 */
export function keepInputs(state: LabState, lab: Lab, hash: string, isolated: boolean | undefined, said: Said | null): void {
  const inputs = recordable(lab, isolated);
  const rec = inputs && said ? { file: resolve(lab.file), cwd: process.cwd(), isolated: isolated ?? null, build: BUILD(), files: digests(inputs), hash, warnings: said.warnings, notes: said.notes } : null;
  writeSide(state, "inputs.json", rec);
}

/** What loading `lab` read, when files alone made it (`isolated`: as the command was given it); else null. */
function recordable(lab: Lab, isolated: boolean | undefined): Inputs | null {
  const inputs = inputsOf(lab);
  return inputs && !inputs.opaque && (!lab.isolated || isolated) ? inputs : null;
}

/**
 * The long way found `lab` up and unchanged without the lock (upAndWhole): its record written
 * (keepInputs) when it can be and the lock is free at once, so that the next up takes the short
 * way — after an edit of a comment, a rebuilt netlab, or a lab up before records were kept.
 */
export async function recordUnchanged(state: LabState, lab: Lab, isolated: boolean | undefined): Promise<void> {
  if (!recordable(lab, isolated)) return;
  try {
    const release = await state.lock(undefined, 0);
    try {
      const hash = labHash(lab);
      if (state.complete() && state.readMeta()?.hash === hash) keepInputs(state, lab, hash, isolated, sourceOf(lab));
    } finally {
      release();
    }
  } catch {
    /* busy: another netlab is at work on it */
  }
}

export function planFor(lab: Lab, state: LabState): Plan {
  let hostResolv: string | undefined;
  try {
    hostResolv = readFileSync("/etc/resolv.conf", "utf8");
  } catch {
    /* none */
  }
  return compile(lab, { stateDir: state.dir, hostResolv, filesDir: filesDirFor(lab.name) ?? undefined });
}

/**
 * up's most common answer, read without the lab's lock: this version is up, no apply is
 * unfinished or at work, and nothing was removed by hand (lab.json is replaced whole, the journal
 * only grows). Null for anything else, which is decided under the lock.
 */
export async function upAndWhole(lab: Lab, state: LabState, t0: number): Promise<UpResult | null> {
  try {
    const meta = settled(state);
    if (!meta || readAsUp(lab, meta.lab) || meta.hash !== labHash(lab)) return null;
    return (await whole(state, meta)) ? { lab, changed: false, ms: Date.now() - t0 } : null;
  } catch {
    return null; // its state changing under us (a down at work): the lock's way says what it is
  }
}

/**
 * After a repair, the lab forgets the neighbours it asked for in vain while the damage lasted
 * (INCOMPLETE, FAILED): an entry still INCOMPLETE fails just after the repair and drops what was
 * queued on it, so a check run at once said "unreachable" for a second. Asked afresh, they answer
 * at once. In the lab's own namespaces every device's; in a host it shares, only on its own
 * host-side devices (another's entry still resolving would lose its queue). Two processes a
 * namespace (nsenter, one `ip -batch`), as many at once as there are shell workers.
 */
async function askAfresh(meta: Meta, ctx: Context): Promise<void> {
  const flush = (dev: string) => [`neigh flush${dev} nud incomplete`, `neigh flush${dev} nud failed`];
  const batch = (argv: string[], lines: string[]) => heredoc([...argv, "ip", "-force", "-batch", "-"].map(shQuote).join(" "), lines.join("\n")) + " >/dev/null 2>&1";
  const mine = meta.lab.isolated ? [] : hostSideNames(meta.lab).flatMap((d) => flush(` dev ${d}`));
  const host = mine.length ? [batch(ctx.hostWrap, mine)] : [];
  const spaces = (meta.facts?.namespaces ?? []).map((ns) => batch(["nsenter", `--net=${NETNS_DIR}/${ns}`], flush("")));
  await shellMany([...host, ...spaces].map((s) => `${s}; true`), SHELL_WORKERS, ctx.env);
}

export async function mend(lab: Lab, meta: Meta, state: LabState, t0: number): Promise<UpResult> {
  const d = await drift(meta, state.journal());
  if (!d.missing.length) return { lab, changed: false, ms: Date.now() - t0 };
  if (d.fatal) throw new UsageError(`lab ${lab.name} is up but damaged: ${d.missing.join("; ")}`, remakeHint(lab, true));
  const ctx: Context = { lab: lab.name, hostId: meta.host.id, hostWrap: hostWrap(meta.host) ?? [], state, env: labEnv(lab.name, state.instance()) };
  const from = dnsLogSize(state);
  const repaired = await repair(lab, planFor(lab, state), d, ctx);
  await askAfresh(meta, ctx);
  // A server it started again answers before up returns.
  if (d.runs.some((p) => p.who.startsWith("_dns"))) await dnsListening(lab, state, 5_000, from);
  const left = await drift(meta, state.journal());
  if (left.missing.length) throw new UsageError(`lab ${lab.name} is up but damaged, and netlab could not repair it: ${left.missing.join("; ")}`, remakeHint(lab, true));
  return { lab, changed: repaired.length > 0, repaired: d.missing, ms: Date.now() - t0 };
}
