// Kubernetes objects read as the API server reads them, for what netlab builds from them:
// Namespaces (labels), Pods, Deployments (replicas → pods NAME-0 … NAME-(n-1); the selector
// must match the template's labels, as apps/v1 insists), Services (services.ts) and
// NetworkPolicies (policy/read.ts). Field names and defaults are Kubernetes' (protocol TCP,
// replicas 1, namespace default); kinds and fields the API server refuses are refused
// (fields.ts); real kinds netlab does not build are warnings, with their line, and fields that do
// not change the network are listed in one note.
import type { KeyPath, Problem } from "../errors.js";
import { isObj, problemAt, type Manifest } from "./manifests.js";
import { readService } from "./services.js";
import type { KContainer, KPod, KPort, KService } from "./types.js";
import { kindStatus, unknownFields } from "./fields.js";
import { podNames } from "./pod-network.js";
import { readPolicy } from "./policy/read.js";
import { matches } from "./policy/verdict.js";
import type { KPolicy } from "./policy/types.js";

export interface KObjects {
  namespaces: Map<string, Record<string, string>>;
  pods: KPod[];
  services: KService[];
  policies: KPolicy[];
}

/** The most pods one Deployment makes. */
export const MAX_REPLICAS = 2000;

/** A DNS-1123 label, as Kubernetes names pods and namespaces; netlab's node names are such labels. */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const strings = (v: unknown): Record<string, string> => (isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {});

/** Pod-spec fields that change what the network is, which netlab does not build: refused. */
const REFUSED_SPEC: Record<string, string> = { hostNetwork: "a pod in its node's own network namespace" };
/** Fields read for what they mean to the network. */
const POD_SPEC = new Set(["containers", "nodeName", "nodeSelector", "hostname", "subdomain", "dnsPolicy", "dnsConfig", "hostAliases"]);
const CONTAINER = new Set(["name", "ports", "command", "args"]);

export function readObjects(ms: Manifest[]): { objects: KObjects; problems: Problem[]; warnings: Problem[]; aside: Set<string> } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const aside = new Set<string>();
  const objects: KObjects = { namespaces: new Map([["default", {}], ["kube-system", {}]]), pods: [], services: [], policies: [] };
  const seen = new Set<string>();
  const named = (m: Manifest, kind: string): { name: string; ns: string } | null => {
    const meta = isObj(m.data.metadata) ? m.data.metadata : {};
    const name = meta.name;
    // A NetworkPolicy names no kernel object (its chains and sets are hashes): a DNS subdomain, as the API server takes it.
    if (kind === "NetworkPolicy" && typeof name === "string") {
      if (SUBDOMAIN.test(name) && name.length <= 253) return nsOf(m, meta, kind, name);
      problems.push(problemAt(m, ["metadata", "name"], `NetworkPolicy name "${name.length > 60 ? `${name.slice(0, 57)}...` : name}" is not a DNS subdomain of at most 253 characters`, "lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit"));
      return null;
    }
    if (typeof name !== "string" || !LABEL.test(name) || name.length > 32) {
      const long = typeof name === "string" && LABEL.test(name);
      problems.push(problemAt(m, ["metadata", "name"], typeof name !== "string" ? `a ${kind} needs metadata.name` : long ? `${kind} name "${name}" is longer than the 32 characters netlab takes` : `${kind} name "${name}" is not a DNS label`, long ? "each pod is a network namespace named after it, and Linux names want them short: a shorter name" : "lowercase letters, digits and '-', starting and ending with a letter or digit"));
      return null;
    }
    return nsOf(m, meta, kind, name);
  };
  const nsOf = (m: Manifest, meta: Record<string, unknown>, kind: string, name: string): { name: string; ns: string } | null => {
    if (meta.namespace !== undefined && typeof meta.namespace !== "string") {
      problems.push(problemAt(m, ["metadata", "namespace"], `namespace must be a name, not ${JSON.stringify(meta.namespace)}`));
      return null;
    }
    const ns = typeof meta.namespace === "string" ? meta.namespace : "default";
    const id = `${kind}/${ns}/${name}`;
    if (seen.has(id)) problems.push(problemAt(m, ["metadata", "name"], `${kind.toLowerCase()} ${ns}/${name} is defined twice`, "kubectl apply would take the second as a change of the first: keep one"));
    seen.add(id);
    return { name, ns };
  };
  /** metadata.labels: strings only, as the API server decodes them (a YAML number or boolean is refused). */
  const labelsOf = (m: Manifest): Record<string, string> => {
    const l = (m.data.metadata as Record<string, unknown>).labels;
    if (isObj(l)) for (const [k, v] of Object.entries(l)) if (typeof v !== "string") problems.push(problemAt(m, ["metadata", "labels", k], `label value ${JSON.stringify(v)} is not a string`, `quote it: ${k}: "${String(v)}"`));
    return strings(l);
  };
  for (const m of ms) {
    const kind = String(m.data.kind);
    const status = kindStatus(m, kind, String(m.data.apiVersion));
    if (typeof status !== "string") {
      problems.push(status);
      continue;
    }
    if (status === "aside") {
      warnings.push(problemAt(m, ["kind"], `${kind} ${nameOf(m)} is left aside: netlab does not build ${kind} objects yet`));
      continue;
    }
    problems.push(...unknownFields(m, kind));
    if (kind === "Namespace") {
      const n = named(m, kind);
      if (n) objects.namespaces.set(n.name, labelsOf(m));
    } else if (kind === "Pod") {
      const n = named(m, kind);
      if (n) pod(m, n, ["spec"], labelsOf(m));
    } else if (kind === "Deployment") {
      const n = named(m, kind);
      if (n) deployment(m, n);
    } else if (kind === "Service") {
      const n = named(m, kind);
      if (n) objects.services.push(readService(m, n, problems, warnings));
    } else if (kind === "NetworkPolicy") {
      const n = named(m, kind);
      if (n) objects.policies.push({ ...readPolicy(m, n, problems), ns: n.ns });
    }
  }
  for (const p of [...objects.pods, ...objects.services, ...objects.policies])
    if (!objects.namespaces.has(p.ns)) problems.push(problemAt(p.m, ["metadata", "namespace"], `namespace "${p.ns}" not found`, `add a Namespace manifest for it (kind: Namespace, metadata: { name: ${p.ns} })`));
  return { objects, problems, warnings, aside };

  function deployment(m: Manifest, n: { name: string; ns: string }): void {
    const spec = isObj(m.data.spec) ? m.data.spec : {};
    const replicas = spec.replicas ?? 1;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) return void problems.push(problemAt(m, ["spec", "replicas"], `replicas must be a whole number ≥ 0, not ${JSON.stringify(replicas)}`));
    // Each pod is a namespace of this machine: more than a few thousand is no lab (every node's /24 holds 253).
    if (replicas > MAX_REPLICAS) return void problems.push(problemAt(m, ["spec", "replicas"], `replicas ${replicas} is more than netlab makes of one Deployment (${MAX_REPLICAS})`, "each pod is a network namespace of this machine"));
    const template = isObj(spec.template) ? spec.template : {};
    const labels = strings(isObj(template.metadata) ? template.metadata.labels : undefined);
    const sel = isObj(spec.selector) ? spec.selector : {};
    const match = strings(sel.matchLabels);
    const exprs = (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).filter(isObj).map((e) => ({ key: String(e.key), operator: String(e.operator) as "In", values: Array.isArray(e.values) ? e.values.map(String) : [] }));
    if (!Object.keys(match).length && !exprs.length) return void problems.push(problemAt(m, ["spec", "selector"], "a Deployment (apps/v1) needs spec.selector (matchLabels or matchExpressions)", "the labels of its template, e.g. selector: { matchLabels: { app: web } }"));
    const show = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
    if (!matches({ matchLabels: match, matchExpressions: exprs }, labels)) return void problems.push(problemAt(m, ["spec", "selector"], `selector (${show(match)}${exprs.length ? `, ${exprs.length} expression${exprs.length > 1 ? "s" : ""}` : ""}) does not match template labels (${show(labels)})`, "the API server refuses it too: give spec.template.metadata.labels what spec.selector asks for"));
    if (`${n.name}-${Math.max(0, replicas - 1)}`.length > 32) return void problems.push(problemAt(m, ["metadata", "name"], `pods ${n.name}-0… would be longer than 32 characters`, "a shorter Deployment name"));
    for (let i = 0; i < replicas; i++) pod(m, { name: `${n.name}-${i}`, ns: n.ns }, ["spec", "template", "spec"], labels, n.name, i);
  }

  function pod(m: Manifest, n: { name: string; ns: string }, at: KeyPath, labels: Record<string, string>, owner?: string, replica?: number): void {
    let spec: unknown = m.data;
    for (const k of at) spec = isObj(spec) ? spec[k] : undefined;
    const s = isObj(spec) ? spec : {};
    const first = !replica; // a Deployment's problems said once, not per replica
    for (const [k, why] of Object.entries(REFUSED_SPEC)) if (s[k] && first) problems.push(problemAt(m, [...at, k], `${k}: ${why}, which netlab does not build`, `remove ${k}:`));
    if (first) for (const k of Object.keys(s)) if (!POD_SPEC.has(k) && !(k in REFUSED_SPEC)) aside.add(`spec.${k}`);
    const list = Array.isArray(s.containers) ? s.containers : [];
    if (!list.length && first) problems.push(problemAt(m, [...at, "containers"], "a pod needs spec.containers (at least one)", "containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }]"));
    const taken = new Set<string>();
    const containers = list.map((c, ci): KContainer => {
      const o = isObj(c) ? c : {};
      if (first) for (const k of Object.keys(o)) if (!CONTAINER.has(k)) aside.add(`containers[].${k}`);
      const ports = (Array.isArray(o.ports) ? o.ports : []).flatMap((p, pi): KPort[] => {
        const q = isObj(p) ? p : {};
        const key = [...at, "containers", ci, "ports", pi];
        const port = q.containerPort;
        const protocol = (q.protocol ?? "TCP") as KPort["protocol"];
        if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return first ? (problems.push(problemAt(m, [...key, "containerPort"], `containerPort must be a port number (1-65535), not ${JSON.stringify(port)}`)), []) : [];
        if (!["TCP", "UDP", "SCTP"].includes(protocol)) return first ? (problems.push(problemAt(m, [...key, "protocol"], `protocol must be TCP, UDP or SCTP, not ${JSON.stringify(q.protocol)}`)), []) : [];
        if (taken.has(`${port}/${protocol}`) && first) problems.push(problemAt(m, [...key, "containerPort"], `containerPort ${port}/${protocol} is taken twice in this pod`, "containers of a pod share its network namespace: one port, one container"));
        taken.add(`${port}/${protocol}`);
        if (q.hostPort !== undefined && first) warnings.push(problemAt(m, [...key, "hostPort"], "hostPort is not built by this version of netlab: the port is reachable at the pod's address only"));
        return [{ port, protocol, ...(typeof q.name === "string" ? { name: q.name } : {}) }];
      });
      // args alone are the image's entrypoint's (not run here): the containerPorts are served as without them.
      const cmd = Array.isArray(o.command) ? [...o.command, ...(Array.isArray(o.args) ? o.args : [])].map(String) : [];
      if (first && !cmd.length && Array.isArray(o.args)) aside.add("containers[].args (without command: the image's entrypoint's)");
      return { name: String(o.name ?? `c${ci}`), ports, ...(cmd.length ? { command: cmd } : {}) };
    });
    const nodeName = typeof s.nodeName === "string" ? s.nodeName : undefined;
    const names = podNames(s, m, at, first, problems);
    if (first && list.some((c) => isObj(c) && c.readinessProbe)) warnings.push(problemAt(m, [...at, "containers"], "readinessProbe is not run: a pod is ready (an endpoint) once its servers run"));
    objects.pods.push({ ...names, ns: n.ns, name: n.name, labels, containers, m, spec: at, ...(nodeName ? { nodeName } : {}), ...(isObj(s.nodeSelector) ? { nodeSelector: strings(s.nodeSelector) } : {}), ...(owner ? { owner, replica } : {}), ...(typeof s.hostname === "string" ? { hostname: s.hostname } : {}), ...(typeof s.subdomain === "string" ? { subdomain: s.subdomain } : {}) });
  }
}

function nameOf(m: Manifest): string {
  const meta = isObj(m.data.metadata) ? m.data.metadata : {};
  return String(meta.name ?? "(unnamed)");
}
