// The lab's checks and a cluster that changes: `answeredBy: [deployment/NAME]` stands for the
// Deployment's pods however scaled, and while the cluster differs from the lab file (apply -f,
// delete, scale) a check that names a pod it no longer has is left out, said.
import type { KeyPath, Problem } from "../errors.js";
import type { RawLab } from "../lab/schema.js";
import type { LabSource, Origin } from "../lab/source.js";
import type { KubeCluster } from "./types.js";

/**
 * `answeredBy: [deployment/web]` (or `shop/deployment/api`): every pod the Deployment has now —
 * so a check still holds once the Deployment is scaled. A Deployment with no pods stays as
 * written (the check then names no node, and says so).
 */
export function deploymentsAnswer<T extends RawLab>(raw: T, pods: KubeCluster["pods"]): T {
  const expand = (entry: string) => {
    const m = /^(?:([^/]+)\/)?deployment\/([^/]+)$/.exec(entry);
    const of = m ? pods.filter((p) => p.owner === m[2] && p.ns === (m[1] ?? "default")).map((p) => p.node) : [];
    return of.length ? of : [entry];
  };
  const checks = raw.checks?.map((c) => (Array.isArray(c.answeredBy) && c.answeredBy.some((e) => e.includes("deployment/")) ? { ...c, answeredBy: c.answeredBy.flatMap(expand) } : c));
  return checks ? { ...raw, checks } : raw;
}

/**
 * While the cluster differs from the lab file (apply -f, delete, scale), a check that names a
 * node no longer there (a pod scaled away) is left out, and said: the rest still run. Each
 * check kept is located where the lab file has it.
 */
export function checksStillNamed(lowered: { raw: RawLab; origins: Map<string, (rest: KeyPath) => KeyPath | Origin> }, src: LabSource, warnings: Problem[], leftOut: string[]): RawLab {
  const raw = lowered.raw;
  const here = (n: string) => n === "host" || raw.nodes?.[n] !== undefined || raw.hosts?.[n] !== undefined;
  const kept: NonNullable<RawLab["checks"]> = [];
  (raw.checks ?? []).forEach((c, i) => {
    const names = [...(c.from !== undefined ? [c.from] : []), ...(c.matrix?.pods ?? []), ...(c.answeredBy ? (Array.isArray(c.answeredBy) ? c.answeredBy : Object.keys(c.answeredBy)) : [])];
    const gone = names.filter((n) => !here(n));
    if (!gone.length) {
      lowered.origins.set(`checks.${kept.length}`, (rest) => ["checks", i, ...rest]);
      return void kept.push(c);
    }
    warnings.push(src.problem(["checks", i], `this check is left out while the cluster differs from the lab file: it names ${gone.join(", ")}, which the cluster no longer has`, "netlab down and up bring the lab file's cluster back"));
    leftOut.push(`checks[${i}] names ${gone.join(", ")}`);
  });
  return { ...raw, checks: kept };
}

