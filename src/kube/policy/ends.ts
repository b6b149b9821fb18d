// The ends of a connection as NetworkPolicy sees them, from a lab that is up: a pod (by its lab
// node name, POD or NS/POD) with its labels, address and named ports; anything else (a node, the
// host, an address) by its address alone. Namespaces' labels, for namespaceSelector.
import { UsageError } from "../../errors.js";
import type { Lab } from "../../lab/model.js";
import type { KPolicy, PolicyPod } from "./types.js";
import { labelsByNamespace, type End } from "./verdict.js";

/** The cluster's pods as policies see them (those with an address). */
export function policyPods(lab: Lab): PolicyPod[] {
  return (lab.kube?.pods ?? []).filter((p) => p.ip).map((p) => ({ node: p.node, ns: p.ns, name: p.name, labels: p.labels, ip: p.ip!, ports: (p.ports ?? []).map((x) => ({ ...x })) }));
}

/** Namespace → labels, for namespaceSelector. */
export const nsLabelsOf = (lab: Lab) => labelsByNamespace(lab.kube);

/** The policies as the planner keeps them (their manifests left out): typed for the verdict. */
export const policiesOf = (lab: Lab) => (lab.kube?.policies ?? []) as KPolicy[];

/** `web-0`, `shop/api-0`, `node1`, `host`, `10.244.1.3`: the end it names. UsageError when none. */
export function endOf(lab: Lab, name: string): End & { label: string; isNode?: "cluster" | "lab" } {
  // A pod by its name, or by its address (the policies are the same).
  const pod = policyPods(lab).find((p) => p.node === name || `${p.ns}/${p.name}` === name || p.ip === name);
  if (pod) return { ...pod, label: `${pod.ns}/${pod.name} (${pod.ip})` };
  if (/^[\d.]+$/.test(name)) return { ip: name, label: name };
  const node = lab.nodes.find((n) => n.name === name);
  const ip = node?.intfs.flatMap((i) => i.addrs).find((a) => !a.includes(":"))?.split("/")[0];
  // A cluster node, or another machine of the lab (a hosts: one, a plain node).
  if (ip) return { ip, label: `${name} (${ip}, not a pod: no policy applies to it)`, isNode: lab.kube?.nodes.some((n) => n.name === name) ? "cluster" : "lab" };
  throw new UsageError(`"${name}" is no pod or node of lab ${lab.name}`, `pods: ${policyPods(lab).map((p) => p.node).join(", ")}`);
}
