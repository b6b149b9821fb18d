// `netlab apply LAB -f FILE…`, `netlab delete LAB -f FILE… | KIND NAME`, `netlab scale LAB
// deployment/NAME --replicas N`: kubectl's verbs on a cluster that is up. The objects' change is
// worked out as the API server would (kube/changes.ts), then the lab that is up is brought to it
// by apply's reconciliation — only the pods and rules that differ are touched — and kubectl's
// lines are printed once it is in place.
import { timing } from "../../runtime/timing.js";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { apply } from "../../change/index.js";
import { LabError, UsageError, type Problem } from "../../errors.js";
import { applyObjects, deleteObjects, keyOf, scaleDeployment, type Applied, type ObjectChanges } from "../../kube/changes.js";
import { MAX_REPLICAS } from "../../kube/objects.js";
import { objectKey } from "../../kube/overlay.js";
import type { KubeCluster } from "../../kube/types.js";
import { LabSource } from "../../lab/source.js";
import { requireUp } from "../../running.js";
import { LabState, type Meta } from "../../state/store.js";
import { labText } from "../../state/lab-text.js";
import { progress, reportWarnings } from "../output.js";
import { isObj, itemsOf } from "../../kube/manifests.js";

interface KubeOpts {
  namespace?: string;
  dryRun?: boolean;
}


/** The cluster of a lab that is up (UsageError when it has none). */
async function clusterOf(ref: string): Promise<{ meta: Meta; cluster: KubeCluster }> {
  const meta = await requireUp(ref);
  if (!meta.lab.kube) throw new UsageError(`lab ${meta.lab.name} has no kubernetes: section`, "kubectl's verbs work on a lab with a cluster");
  return { meta, cluster: meta.lab.kube };
}

/** Every object of the files (and directories' *.yaml, *.yml, *.json) given with -f, located; LabError when one is none. */
export function readObjectFiles(paths: string[], ns?: string): Applied[] {
  const out: Applied[] = [];
  const problems: Problem[] = [];
  const one = (d: LabSource, doc: number, data: unknown) => {
    if (!isObj(data) || typeof data.kind !== "string" || typeof data.apiVersion !== "string" || !isObj(data.metadata) || typeof data.metadata.name !== "string")
      return void problems.push(d.problem([], `document ${doc + 1} of ${d.file} is not a Kubernetes object`, "an object has apiVersion:, kind: and metadata: { name: }, as kubectl apply -f takes"));
    // -n gives a namespace to the objects that name none, as kubectl's does.
    const meta = data.metadata;
    const placed = ns && meta.namespace === undefined && data.kind !== "Namespace" ? { ...data, metadata: { ...meta, namespace: ns } } : data;
    out.push({ data: placed, file: resolve(d.file), doc });
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`no file ${p}`, "netlab apply LAB -f FILE: a manifest file or a directory of them, as kubectl apply -f takes");
    const files = statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(p, f)).filter((f) => statSync(f).isFile()) : [p];
    for (const f of files)
      LabSource.documentsOfFile(resolve(f), relative(process.cwd(), f) || f).forEach((d, doc) => {
        // A List's items, located by the document.
        for (const data of itemsOf(d.data)) one(d, doc, data);
      });
  }
  if (problems.length) throw new LabError(problems);
  if (!out.length) throw new UsageError(`no objects in ${paths.join(", ")}`, "a manifest has apiVersion:, kind: and metadata: { name: }");
  return out;
}

/**
 * The lab brought to the changed objects (unless nothing changed), then kubectl's lines; exit 1
 * when an object was not found. Of the lab's warnings, said: those about the files given (-f),
 * and checks newly left out — not, again, every one an earlier command gave.
 */
async function carry(meta: Meta, ch: ObjectChanges, opts: KubeOpts, verb: string, files: string[] = []): Promise<number> {
  const said: Problem[] = [];
  // The lab file as the lab up was read from it: these verbs change objects, not what the file says since.
  const kept = labText(new LabState(meta.lab.name));
  const base = { isolated: meta.lab.isolated, up: meta, kube: ch.overlay, text: kept?.text, files: kept?.files, warnings: (w: Problem[]) => said.push(...w) };
  let after = meta.lab;
  if (ch.changed && opts.dryRun) {
    const r = await apply(meta.lab.file, { ...base, dryRun: true });
    if (r.script) process.stdout.write(r.script.endsWith("\n") ? r.script : `${r.script}\n`);
    after = r.lab;
  } else if (ch.changed) {
    const p = await progress(`netlab ${verb} ${meta.lab.name}`, false);
    try {
      after = (await apply(meta.lab.file, { ...base, progress: (m) => p.update(m) })).lab;
    } finally {
      p.fail(); // the spinner stops; kubectl's lines say what happened
    }
  }
  const mine = new Set(files.flatMap((f) => [f, relative(process.cwd(), f) || f]));
  const fewer = after.checks.length < meta.lab.checks.length;
  const tell = said.filter((w) => (w.loc && mine.has(w.loc.file)) || (fewer && w.message.includes("this check is left out")));
  if (tell.length) reportWarnings(tell);
  for (const l of ch.lines) process.stdout.write(`${l}${opts.dryRun ? " (dry run)" : ""}\n`);
  for (const m of ch.missing) process.stderr.write(`${m}\n`);
  return ch.missing.length ? 1 : 0;
}

/** `netlab apply LAB -f FILE…`. */
export async function kubeApplyCmd(ref: string, files: string[], opts: KubeOpts): Promise<number> {
  timing("started");
  const { meta, cluster } = await clusterOf(ref);
  timing("lab up read");
  const objects = readObjectFiles(files, opts.namespace);
  return carry(meta, applyObjects(cluster, objects), opts, "apply", [...new Set(objects.map((o) => o.file))]);
}

/** `netlab delete LAB -f FILE…` or `netlab delete LAB KIND NAME` (or KIND/NAME). */
export async function deleteCmd(ref: string, words: string[], opts: KubeOpts & { filename?: string[]; all?: boolean }): Promise<number> {
  const { meta, cluster } = await clusterOf(ref);
  const ns = opts.namespace ?? "default";
  let keys: string[];
  if (opts.all) {
    // kubectl delete KIND --all: every object of that kind in the namespace (none: "No resources found").
    if (words.length !== 1 || opts.filename?.length) throw new UsageError("--all takes one KIND and no names", `netlab delete ${ref} networkpolicy --all -n NS`);
    const [kind, space] = keyOf(words[0], "x", ns).split("/");
    keys = Object.keys(cluster.objects).filter((k) => k.startsWith(`${kind}/${space}/`)).sort(); // by name, as kubectl
    if (!keys.length) {
      process.stdout.write(`No resources found${kind === "Namespace" ? "" : ` in ${ns} namespace`}.\n`);
      return 0;
    }
  } else if (opts.filename?.length) {
    if (words.length) throw new UsageError("give -f FILE or KIND NAME, not both", `netlab delete ${ref} -f web.yaml, or netlab delete ${ref} deployment web`);
    keys = readObjectFiles(opts.filename, opts.namespace).map((a) => objectKey(a.data));
  } else if (!words.length) throw new UsageError("what should be deleted?", `netlab delete ${ref} -f web.yaml, or netlab delete ${ref} deployment web`);
  else keys = words[0].includes("/") ? words.map((w) => keyOf(w, undefined, ns)) : words.slice(1).map((n) => keyOf(words[0], n, ns));
  if (!keys.length) keyOf(words[0], undefined, ns); // says which name is missing
  return carry(meta, deleteObjects(cluster, keys), opts, "delete");
}

/** `netlab scale LAB deployment/NAME --replicas N` (or `deployment NAME`). */
export async function scaleCmd(ref: string, words: string[], opts: KubeOpts & { replicas: string }): Promise<number> {
  const { meta, cluster } = await clusterOf(ref);
  const hint = `netlab scale ${ref} deployment/web --replicas 3`;
  if (!words.length || (!words[0].includes("/") && words.length < 2)) throw new UsageError("netlab scale takes deployment/NAME", hint);
  const key = keyOf(words[0], words[1], opts.namespace ?? "default");
  if (!key.startsWith("Deployment/")) throw new UsageError("netlab scale scales Deployments", hint);
  if (!/^\d+$/.test(opts.replicas) || Number(opts.replicas) > MAX_REPLICAS) throw new UsageError(`--replicas ${opts.replicas}: a whole number from 0 to ${MAX_REPLICAS}`, "each pod is a network namespace of this machine, e.g. --replicas 5");
  return carry(meta, scaleDeployment(cluster, key, Number(opts.replicas)), opts, "scale");
}
