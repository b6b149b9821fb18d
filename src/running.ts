// A lab that is up: which one a reference means, its recorded state, and how to enter its
// nodes. Kept light (no YAML, no zod, no planning until a file must be read): `netlab exec`,
// `logs`, `capture` and `status` start with it, and a workshop runs them all day.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { ComposeOptions } from "./compose/env.js";
import { EnvError, UsageError } from "./errors.js";
import { findLabFile } from "./lab/find.js";
import { LAB_NAME } from "./net/names.js";
import { hostWrap } from "./runtime/netns.js";
import { LabState, labsWithState, type Meta } from "./state/store.js";
import { shQuote } from "./shell.js";
import { closest } from "./suggest.js";

/**
 * The lab name a reference means: a lab name with state (or an up in progress), else the name of
 * the lab file it names (a Compose file's: its project's). A file whose lab name is up from
 * another file does not mean that lab: `down` of one file never takes another file's lab down.
 */
export async function labNameOf(ref: string, compose?: ComposeOptions): Promise<string | null> {
  return (await refOf(ref, compose)).name;
}

/**
 * What `ref` names: the lab name it means (labNameOf), and the lab file it names, if any, with
 * whether that file read (`read` false: a syntax error, no usable `name:`).
 */
export async function refOf(ref: string, compose?: ComposeOptions): Promise<{ name: string | null; file: string | null; read: boolean }> {
  const direct = new LabState(ref);
  if (LAB_NAME.test(ref) && (direct.exists() || direct.busy())) return { name: ref, file: null, read: true };
  // Only now the lab-file machinery (below): a plain `netlab down NAME` never loads YAML.
  const file = findLabFile(ref);
  if (file) {
    let name: string | null = null;
    try {
      // Read as up reads it (merge keys, aliases bounded by size, not by count).
      const doc = (await import("./lab/source.js")).LabSource.fromFile(file).data as { name?: unknown } | null;
      // Another format's lab name is its front-end's (a Compose project's, or its directory's).
      if ((await import("./lab/front-ends.js")).frontEndOf(doc)) name = (await import("./lab/load.js")).loadLabFile(file, { compose }).name;
      else if (typeof doc?.name === "string" && LAB_NAME.test(doc.name)) name = doc.name;
    } catch {
      /* not a readable lab file: treat as a name */
    }
    if (name !== null) {
      const upFrom = new LabState(name).readMeta()?.lab.file;
      if (upFrom && !samePath(upFrom, file)) {
        // The file names another file's lab now: what is up from this one is what it may mean.
        const mine = labsUpFrom(file);
        const hint = mine.length ? `up from this file: ${mine.join(", ")} (sudo netlab down ${mine[0]} takes it down)` : `that lab is not this file's: sudo netlab down ${name} takes it down by its name`;
        throw new UsageError(`lab ${name} is up, but from ${upFrom}, not from ${file}`, hint);
      }
      return { name, file, read: true };
    }
    return { name: LAB_NAME.test(ref) ? ref : null, file, read: false };
  }
  return { name: LAB_NAME.test(ref) ? ref : null, file: null, read: true };
}

/** The labs up whose recorded lab file is `file` (the same file: symbolic links followed). */
export function labsUpFrom(file: string): string[] {
  return labsWithState().filter((n) => {
    try {
      const f = new LabState(n).readMeta()?.lab.file;
      return f !== undefined && samePath(f, file);
    } catch {
      return false;
    }
  });
}

/** Two paths of one file: compared as the kernel finds them (a symlinked directory, `$PWD`), else as written. */
function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return resolve(a) === resolve(b) || real(a) === real(b);
}

/** Find the state of a lab by lab name, or by a lab file / shipped-lab name whose `name:` is up. */
export async function findState(ref: string, compose?: ComposeOptions): Promise<LabState | null> {
  const name = await labNameOf(ref, compose);
  const s = name ? new LabState(name) : null;
  return s?.exists() ? s : null;
}

export async function requireUp(ref: string, compose?: ComposeOptions): Promise<Meta> {
  const state = await findState(ref, compose);
  const meta = state?.readMeta();
  if (!state || !meta) throw new UsageError(`lab ${ref} is not up`, notUpHint(ref));
  return meta;
}

/** What to say of `ref` that is not up: the lab up it was likely meant for, else how to start it, else what is up. */
export function notUpHint(ref: string): string {
  const up = labsWithState();
  const like = closest(ref, up);
  if (like) return `did you mean ${like}? (up: ${up.join(", ")})`;
  const file = findLabFile(ref);
  // A file that no longer reads, or names another lab now, may still be what a lab is up from.
  const from = file ? labsUpFrom(file) : [];
  if (from.length) return `up from that file: ${from.join(", ")} (by name: sudo netlab test ${from[0]}, sudo netlab status ${from[0]})`;
  if (file) return `start it with: sudo netlab up ${shQuote(ref)}`;
  return up.length ? `labs that are up: ${up.join(", ")}` : "no lab is up: sudo netlab up LAB";
}

/** argv prefix that runs a command inside NODE (or `host`) of a lab that is up. */
export function enterArgv(meta: Meta, node: string): string[] {
  if (node === "host") {
    if (meta.lab.hostNs) return ["ip", "netns", "exec", meta.lab.hostNs];
    const wrap = hostWrap(meta.host);
    if (wrap === null) throw new EnvError(`the host namespace of ${meta.lab.name} has no name netlab can enter`, "run the command from the namespace that ran netlab up");
    return wrap;
  }
  const n = meta.lab.nodes.find((x) => x.name === node);
  if (!n) {
    const names = meta.lab.nodes.map((x) => x.name);
    // A pod outside default is NS/POD: `client` may be `shop/client`.
    const like = names.find((x) => x.endsWith(`/${node}`)) ?? closest(node, names);
    throw new UsageError(`lab ${meta.lab.name} has no node "${node}"`, like ? `did you mean ${like}?` : `nodes: ${names.join(", ")}, host`);
  }
  return ["ip", "netns", "exec", n.ns];
}

/** The file of the lab named `name` that is up, if there is one: `up NAME` and `apply NAME` mean it (as `down NAME` does), whatever files of that name lie about. */
export function upFileOf(name: string): string | undefined {
  try {
    return /^[a-z0-9][a-z0-9_-]*$/.test(name) ? new LabState(name).readMeta()?.lab.file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command that makes again what was removed from a lab that is up: `up` repairs it, unless
 * a namespace of it is gone (`fatal`, drift.ts), which only a fresh up from its file remakes.
 */
export function remakeHint(lab: { name: string; file: string }, fatal: boolean): string {
  return fatal ? `sudo netlab down ${lab.name} && sudo netlab up ${shQuote(lab.file)}` : `sudo netlab up ${lab.name}`;
}
