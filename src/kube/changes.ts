// What `netlab apply LAB -f`, `netlab delete` and `netlab scale` do to a cluster's objects, as
// kubectl and the API server do it: the new overlay (kube/overlay.ts) and kubectl's lines
// (`deployment.apps/web configured`, `service "web" deleted`, NotFound). Pure: the command
// applies the overlay to the lab that is up (change/index.ts) and prints the lines once it has.
import { UsageError } from "../errors.js";
import { BUILT } from "./fields.js";
import { contentHash, emptyOverlay, objectKey, resourceOf, selectorOf, type KubeOverlay } from "./overlay.js";
import type { KubeCluster } from "./types.js";

/** An object from a file given with -f: its data, the file, its document there (from 0). */
export interface Applied {
  data: Record<string, unknown>;
  file: string;
  doc: number;
}

export interface ObjectChanges {
  overlay: KubeOverlay;
  /** kubectl's lines, in the order of the objects given. */
  lines: string[];
  /** Errors for objects not found or refused (NotFound, Forbidden, Invalid): said on stderr, exit 1, as kubectl does. */
  missing: string[];
  /** Whether the overlay differs from the cluster's (false: every object unchanged). */
  changed: boolean;
}

const copy = (o: KubeOverlay | undefined): KubeOverlay => structuredClone(o ?? emptyOverlay());

/** kubectl's plural of a resource: services, deployments.apps, networkpolicies.networking.k8s.io, ingresses. */
const plural = (resource: string) => resource.replace(/^([a-z]+)/, (k) => (k.endsWith("y") ? `${k.slice(0, -1)}ies` : k.endsWith("s") ? `${k}es` : `${k}s`));

/** What the cluster cannot do without: refused, as the API server refuses deleting `default`. */
const PROTECTED: Record<string, string> = {
  "Namespace//default": "this namespace may not be deleted",
  "Namespace//kube-system": "this namespace may not be deleted",
  "Service/kube-system/kube-dns": "netlab's cluster DNS answers behind it",
  "Service/default/kubernetes": "it is the API server's",
  "Deployment/kube-system/coredns": "netlab's cluster DNS runs in it",
  "Pod/kube-system/coredns-0": "netlab's cluster DNS runs in it",
};
const nameOf = (key: string) => key.split("/")[2];
const kindOf = (key: string) => key.split("/")[0];

/** kubectl apply -f: each object created, configured or unchanged. */
export function applyObjects(c: KubeCluster, objects: Applied[]): ObjectChanges {
  const o = copy(c.overlay);
  const lines: string[] = [];
  let changed = false;
  const now = { ...c.objects };
  const missing: string[] = [];
  for (const a of objects) {
    const key = objectKey(a.data);
    const was = now[key];
    // A Deployment's selector is immutable: the API server refuses the change, and so does this.
    const sel = c.selectors?.[key];
    if (was !== undefined && sel !== undefined && a.data.kind === "Deployment" && selectorOf(a.data) !== sel) {
      missing.push(`The Deployment "${nameOf(key)}" is invalid: spec.selector: Invalid value: ${selectorOf(a.data)}: field is immutable`);
      continue;
    }
    const status = was === undefined ? "created" : was === contentHash(a.data) ? "unchanged" : "configured";
    now[key] = contentHash(a.data); // the same object twice in one call: the second is a change of the first, as kubectl says
    const aside = BUILT[String(a.data.kind)] ? "" : ` (kept, not built: netlab does not build ${String(a.data.kind)} objects yet)`;
    lines.push(`${resourceOf(String(a.data.kind), String(a.data.apiVersion))}/${nameOf(key)} ${status}${aside}`);
    if (status === "unchanged") continue;
    changed = true;
    o.put[key] = { data: a.data, file: a.file, doc: a.doc };
    o.deleted = o.deleted.filter((k) => k !== key);
    delete o.replicas[key]; // the manifest's replicas win, as kubectl apply's do
  }
  return { overlay: o, lines, missing, changed };
}

/** kubectl delete: each object deleted, or NotFound; a Namespace takes everything in it along. */
export function deleteObjects(c: KubeCluster, keys: string[]): ObjectChanges {
  const o = copy(c.overlay);
  const lines: string[] = [];
  const missing: string[] = [];
  const before = new Set(o.deleted); // what this call deletes along with a Namespace is still said deleted, as kubectl says it
  const done = new Set<string>();
  for (const key of keys) {
    const resource = resourceOf(kindOf(key));
    const forbidden = PROTECTED[key];
    if (forbidden) {
      missing.push(`Error from server (Forbidden): ${plural(resource)} "${nameOf(key)}" is forbidden: ${forbidden}`);
      continue;
    }
    if (c.objects[key] === undefined || before.has(key) || done.has(key)) {
      missing.push(`Error from server (NotFound): ${plural(resource)} "${nameOf(key)}" not found`);
      continue;
    }
    done.add(key);
    const inside = kindOf(key) === "Namespace" ? Object.keys(c.objects).filter((k) => k.split("/")[1] === nameOf(key)) : [];
    for (const k of [key, ...inside]) {
      if (!o.deleted.includes(k)) o.deleted.push(k);
      delete o.put[k];
      delete o.replicas[k];
    }
    lines.push(`${resource} "${nameOf(key)}" deleted`);
  }
  return { overlay: o, lines, missing, changed: lines.length > 0 };
}

/** kubectl scale deployment/NAME --replicas N. */
export function scaleDeployment(c: KubeCluster, key: string, replicas: number): ObjectChanges {
  if (!Number.isInteger(replicas) || replicas < 0) throw new UsageError(`--replicas ${replicas}: a whole number ≥ 0`, "e.g. --replicas 5");
  if (key === "Deployment/kube-system/coredns") throw new UsageError("the cluster DNS's Deployment is netlab's: one replica, kube-system/coredns-0", "scale your own Deployments");
  if (c.objects[key] === undefined) return { overlay: copy(c.overlay), lines: [], missing: [`Error from server (NotFound): deployments.apps "${nameOf(key)}" not found`], changed: false };
  const o = copy(c.overlay);
  o.replicas[key] = replicas;
  return { overlay: o, lines: [`deployment.apps/${nameOf(key)} scaled`], missing: [], changed: true };
}

/** kubectl's words for kinds (and their short names), as `delete KIND NAME` takes them. */
const KINDS: Record<string, string> = {
  deployment: "Deployment", deployments: "Deployment", deploy: "Deployment",
  service: "Service", services: "Service", svc: "Service",
  pod: "Pod", pods: "Pod", po: "Pod",
  namespace: "Namespace", namespaces: "Namespace", ns: "Namespace",
  networkpolicy: "NetworkPolicy", networkpolicies: "NetworkPolicy", netpol: "NetworkPolicy",
  ingress: "Ingress", ingresses: "Ingress", ing: "Ingress",
  configmap: "ConfigMap", configmaps: "ConfigMap", cm: "ConfigMap", secret: "Secret", secrets: "Secret",
};

/**
 * `deployment web`, `deployment/web`, `svc/web`, `pod shop/api-0` (netlab's NS/POD) in namespace
 * `ns`: the object's key. UsageError for a kind netlab does not know or a name that is no name.
 */
export function keyOf(kind: string, name: string | undefined, ns: string): string {
  const slash = kind.indexOf("/");
  const [k, n] = slash >= 0 ? [kind.slice(0, slash), kind.slice(slash + 1)] : [kind, name];
  const K = KINDS[k.toLowerCase().replace(/\.apps$|\.networking\.k8s\.io$/, "")];
  if (!K) throw new UsageError(`netlab does not know the kind "${k}"`, "deployment, service, pod, namespace, networkpolicy, ingress (deploy, svc, po, ns, netpol, ing)");
  if (!n) throw new UsageError(`which ${k}? give its name`, `e.g. ${k} web, or ${k}/web`);
  const parts = n.split("/");
  // A pod as netlab names it elsewhere: NS/POD.
  const [space, base] = parts.length === 2 && K !== "Namespace" ? parts : [ns, n];
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(base)) throw new UsageError(`"${n}" is not a name of a ${K}`, `e.g. ${k}/web`);
  return `${K}/${K === "Namespace" ? "" : space}/${base}`;
}
