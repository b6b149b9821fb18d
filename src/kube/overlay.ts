// A cluster that is up changes as kubectl changes one: `netlab apply LAB -f FILE`, `netlab
// delete`, `netlab scale` record the objects they put, delete and scale in an overlay kept with
// the lab that is up (lab.kube.overlay, in lab.json), over the lab file's own manifests. Every
// later reading of the lab while it is up (apply of the file, up) reads it again; down forgets it.
// Objects are known by kind, namespace and name, as the API server knows them.
import { sha256 } from "../digest.js";
import { relative } from "node:path";
import { LabSource } from "../lab/source.js";
import type { Problem } from "../errors.js";
import { isObj, problemAt, type Manifest } from "./manifests.js";

export interface KubeOverlay {
  /** Objects applied with -f, by key, as written, and the file each came from. */
  put: Record<string, { data: Record<string, unknown>; file: string; doc: number }>;
  /** Keys of objects deleted (of the lab file's manifests, or applied before). */
  deleted: string[];
  /** Deployments scaled: key → replicas. */
  replicas: Record<string, number>;
}

export const emptyOverlay = (): KubeOverlay => ({ put: {}, deleted: [], replicas: {} });


/** An object's identity: KIND/NAMESPACE/NAME (namespace "default" unless given; none for a Namespace). */
export function objectKey(data: Record<string, unknown>): string {
  const meta = isObj(data.metadata) ? data.metadata : {};
  const ns = data.kind === "Namespace" ? "" : typeof meta.namespace === "string" ? meta.namespace : "default";
  return `${String(data.kind)}/${ns}/${String(meta.name)}`;
}

/** The API groups of the kinds kubectl names with one (deployment.apps). */
const GROUPS: Record<string, string> = { Deployment: "apps", ReplicaSet: "apps", StatefulSet: "apps", DaemonSet: "apps", NetworkPolicy: "networking.k8s.io", Ingress: "networking.k8s.io" };

/** kubectl's name of a kind's resource: deployment.apps, service, pod, networkpolicy.networking.k8s.io. */
export function resourceOf(kind: string, apiVersion = ""): string {
  const group = GROUPS[kind] ?? (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");
  return `${kind.toLowerCase()}${group ? `.${group}` : ""}`;
}

/**
 * The manifests with the overlay laid over them: deleted ones out, replaced ones changed in their
 * place (so nothing else moves: placement and allocation go in manifest order), new ones after,
 * in the order applied; replicas set. An applied object is located in its file while the file
 * still holds it as applied, else by its keys alone.
 */
export function withOverlay(ms: Manifest[], o: KubeOverlay | undefined, warnings: Problem[] = []): Manifest[] {
  if (!o) return ms;
  const deleted = new Set(o.deleted);
  const placed = new Set<string>();
  const out: Manifest[] = [];
  const files = new Map<string, LabSource[] | null>(); // each file read once: 100 policies applied from one file are 100 of its documents
  const appliedManifest = (p: KubeOverlay["put"][string]) => applied(p, files);
  for (const m of ms) {
    const key = objectKey(m.data);
    if (deleted.has(key)) continue;
    if (o.put[key]) {
      placed.add(key);
      warnings.push(problemAt(m, ["metadata", "name"], `the cluster has this object as netlab apply -f gave it (${relative(process.cwd(), o.put[key].file) || o.put[key].file}): this version is not used while it is up`, "netlab down and up use the lab file's"));
    }
    const n = o.replicas[key];
    if (n !== undefined && !o.put[key]) warnings.push(problemAt(m, ["spec", "replicas"], `the cluster has ${n} replicas (netlab scale): this file's are not used while it is up`, "netlab down and up use the lab file's"));
    out.push(o.put[key] ? appliedManifest(o.put[key]) : m);
  }
  for (const [key, p] of Object.entries(o.put)) if (!placed.has(key)) out.push(appliedManifest(p));
  return out.map((m) => {
    const n = o.replicas[objectKey(m.data)];
    if (n === undefined || !isObj(m.data.spec)) return m;
    return { ...m, data: { ...m.data, spec: { ...m.data.spec, replicas: n } } };
  });
}

/**
 * An applied object, located in its file while the file still holds it as applied (`files`: the
 * files read so far; null: unreadable). Read only when a problem is located (rarely): a live
 * apply to a cluster under 100 applied policies does not parse their files again.
 */
function applied(p: KubeOverlay["put"][string], files: Map<string, LabSource[] | null>): Manifest {
  let src: LabSource | undefined;
  const locate = () => {
    if (!files.has(p.file)) {
      try {
        files.set(p.file, LabSource.documentsOfFile(p.file, relative(process.cwd(), p.file) || p.file));
      } catch {
        files.set(p.file, null); // the file is gone or changed: the objects as applied
      }
    }
    const doc = files.get(p.file)?.[p.doc];
    return doc && contentHash(doc.data) === contentHash(p.data) ? doc : LabSource.fromObject(p.data, p.file);
  };
  return { data: p.data, at: (k) => ({ src: (src ??= locate()), key: k }) };
}

/** A Deployment's selector as kept for the immutability check: matchLabels' JSON, keys sorted. */
export function selectorOf(data: Record<string, unknown>): string {
  const spec = isObj(data.spec) ? data.spec : {};
  const m = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  return JSON.stringify(Object.fromEntries(Object.keys(m).sort().map((k) => [k, String(m[k])])));
}

/** What tells two versions of an object apart (kubectl's configured / unchanged). */
export function contentHash(data: unknown): string {
  const stable = (v: unknown): unknown => (Array.isArray(v) ? v.map(stable) : isObj(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable(v[k])])) : v);
  return sha256(JSON.stringify(stable(data))).toString("hex").slice(0, 16);
}
