// Loading a lab: find it, read it with positions, validate it, resolve it.
export { findLabFile, shippedLabs, SHIPPED_LABS } from "./find.js";
import { relative, resolve } from "node:path";
import { findLabFile, shippedLabs } from "./find.js";
import { LabError, UsageError } from "../errors.js";
import type { ComposeOptions } from "../compose/lower.js";
import { frontEndOf } from "./front-ends.js";
import { desugarHosts } from "./virtual-hosts.js";
import { hairpinPods, lowerKubernetes, withEndpoints, type KubeCluster } from "../kube/lower.js";
import type { KubeOverlay } from "../kube/overlay.js";
import type { RawLab } from "./schema.js";
import type { Lab } from "./model.js";
import { resolveLab, validateShape } from "./resolve/index.js";
import { LabSource } from "./source.js";
import { closest } from "../suggest.js";

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

const sources = new WeakMap<Lab, LabSource>();

/** The parsed file a lab came from, for locating errors found after loading (preflight). */
export function sourceOf(lab: Lab): LabSource | null {
  return sources.get(lab) ?? null;
}

export interface LoadOptions {
  /** As `netlab up --isolated`: the lab's host is a namespace of its own, whatever the file says. */
  isolated?: boolean;
  /** For a Compose file: profiles, env files, project name (the command line's), the environment. */
  compose?: ComposeOptions;
  /** The lab as it is up: its nodes keep the automatic addresses they have (apply), its cluster the objects applied to it. */
  previous?: Lab;
  /** The cluster's objects as applied, deleted and scaled while it is up (kube/overlay.ts); default: previous's. */
  kube?: KubeOverlay;
  /** The lab file's text as the lab up was read from it (state/lab-text.ts), in place of the file's now. */
  text?: string;
  /** Manifest files' texts as the lab up read them (absolute path → text), in place of theirs now. */
  files?: Record<string, string>;
}


interface Shaped {
  src: LabSource;
  raw: RawLab;
  /** The lab's name for the user, when a front-end keeps it whole (a Compose project's). */
  name?: string;
  vhosts: Set<string>;
  problems: import("../errors.js").Problem[];
  /** The cluster `kubernetes:` describes, for the planner. */
  cluster: KubeCluster | null;
}

/**
 * The raw lab a source holds: a lab file as it is, another format lowered by its front-end
 * (lab/front-ends.ts), its problems and warnings located in its own documents; then the lab
 * file's sugar (`hosts:`, `underlay:`) lowered into nodes and a network.
 */
function shaped(src0: LabSource, compose?: ComposeOptions, opts: LoadOptions = {}): Shaped {
  let src = src0;
  let name: string | undefined;
  const fe = frontEndOf(src0.data);
  if (fe) {
    const l = fe.lower(src0, { compose });
    if (l.errors.length) throw new LabError(l.errors);
    src = src0.lowered(l.raw, l.translate, fe.name);
    src.warnings = l.warnings;
    src.notes = l.notes;
    name = l.name;
  }
  // A cluster (kubernetes:) lowers into virtual hosts, their cni0 networks and pods first; then hosts: lowers.
  const k = lowerKubernetes(validateShape(src), src, src.file, opts.kube ?? opts.previous?.kube?.overlay, opts.previous?.kube, opts.files);
  if (k.problems.length) throw new LabError(k.problems);
  if (k.cluster) {
    src = src.lowered(k.raw, k.translate);
    src.warnings = [...src.warnings, ...k.warnings];
    src.notes = [...src.notes, ...k.notes.map((text) => ({ text, when: "verbose" as const }))];
  }
  const d = desugarHosts(k.raw);
  const problems = d.problems.map(([key, message, hint]) => src.problem(key, message, hint));
  return { src: src.lowered(d.raw, d.translate), raw: d.raw, name, vhosts: d.vhosts, problems, cluster: k.cluster };
}

/** Resolves a shaped source; a Compose project keeps its whole name (its kernel names use raw.name, the same prefix). */
function resolved(s: Shaped, opts: LoadOptions): Lab {
  const lab = resolveLab(s.src, s.raw, { ...opts, vhosts: s.vhosts, problems: s.problems });
  if (s.name !== undefined) lab.name = s.name;
  if (opts.previous) lab.retired = retiredSince(opts.previous, lab);
  if (s.cluster) {
    lab.kube = withEndpoints(s.cluster, lab);
    hairpinPods(lab.kube, lab);
  }
  sources.set(lab, s.src);
  return lab;
}

/** The most addresses a lab remembers having given back. */
const MAX_RETIRED = 4096;

/** Addresses the lab up had (or had given back before) that `lab` no longer gives: kept out of new nodes' way. */
function retiredSince(up: Lab, lab: Lab): string[] | undefined {
  const addrs = (l: Lab) => l.nodes.flatMap((n) => n.intfs.flatMap((i) => i.addrs.map((a) => a.split("/")[0])));
  const now = new Set(addrs(lab));
  const out = [...new Set([...(up.retired ?? []), ...addrs(up)])].filter((a) => !now.has(a)).slice(-MAX_RETIRED);
  return out.length ? out : undefined;
}

export function loadLabFile(file: string, opts: LoadOptions = {}): Lab {
  const src = opts.text !== undefined ? LabSource.fromText(opts.text, display(file)) : LabSource.fromFile(file, display(file));
  const lab = resolved(shaped(src, opts.compose, opts), opts);
  lab.file = resolve(file);
  return lab;
}

export function loadLab(ref: string, opts: LoadOptions = {}): Lab {
  const file = opts.text !== undefined ? resolve(ref) : findLabFile(ref);
  if (!file) {
    // A path is looked for where it points only (findLabFile): a name in ./, ./labs and the shipped labs.
    if (ref.includes("/")) throw new UsageError(`no lab file "${ref}"`, "check the path; netlab labs lists the shipped labs");
    const names = shippedLabs().map((f) => f.replace(/^.*\//, "").replace(/\.(ya?ml|json)$/, ""));
    const like = closest(ref.replace(/\.(ya?ml|json)$/, ""), names);
    throw new UsageError(`no lab file "${ref}" (looked for ${/\.(ya?ml|json)$/.test(ref) ? ref : `${ref}, ./${ref}.yaml`}, ./labs/${/\.(ya?ml|json)$/.test(ref) ? ref : `${ref}.yaml`} and the shipped labs)`, `${like ? `did you mean ${like}? ` : ""}shipped labs: ${names.join(", ")}`);
  }
  return loadLabFile(file, opts);
}

export function labFromText(text: string, file = "<lab>", opts: LoadOptions = {}): Lab {
  return resolved(shaped(LabSource.fromText(text, file), opts.compose, opts), opts);
}

export function labFromObject(data: unknown, file = "<lab>"): Lab {
  return resolved(shaped(LabSource.fromObject(data, file)), {});
}
