// `netlab explain LAB FROM TO[:PORT[/PROTO]] [--probe]`: why a new connection is allowed or
// denied by the cluster's NetworkPolicies — which policies isolate the client for egress and the
// server for ingress, which rule of which policy allows each side, or that none does — and, with
// --probe, what a real connection from FROM's namespace does (kube/policy/verdict.ts decides).
import { UsageError } from "../../errors.js";
import { endOf, nsLabelsOf, policiesOf } from "../../kube/policy/ends.js";
import { verdict, type Side } from "../../kube/policy/verdict.js";
import { enterArgv, requireUp } from "../../running.js";
import { run } from "../../runtime/proc.js";
import { c } from "../output.js";

export async function explainCmd(ref: string, from: string, to: string, opts: { probe?: boolean }): Promise<number> {
  const m = /^(.+?)(?::(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(to);
  if (!m) throw new UsageError(`"${to}" is not TO[:PORT[/PROTO]]`, "e.g. backend-0:8080/tcp");
  const meta = await requireUp(ref);
  const lab = meta.lab;
  if (!lab.kube) throw new UsageError(`lab ${lab.name} has no kubernetes: section`, "explain answers for a cluster's NetworkPolicies");
  const a = endOf(lab, from);
  const b = endOf(lab, m[1]);
  const proto = (m[3] ?? "tcp").toUpperCase();
  const port = Number(m[2] ?? ("ports" in b && b.ports.find((x) => x.protocol === proto)?.port) ?? 80);
  const v = verdict(policiesOf(lab), nsLabelsOf(lab), a, b, port, proto);
  // The node a pod runs on always reaches it (kubelet's probes): kube-router and Calico allow it, whatever the policies.
  const own = "ns" in b && lab.kube.pods.some((p) => p.ns === b.ns && p.name === b.name && p.on === from);
  if (own) v.allowed = true;
  const out = [
    `${a.label} → ${b.label} port ${port}/${proto}`,
    side("egress", "from", a.label, v.egress),
    side("ingress", "to", b.label, v.ingress),
    own ? c.green(`allowed: ${from} is the node ${b.label.split(" ")[0]} runs on, and a node always reaches its own pods (kube-router's "source is the pod's local node" rule)`)
    : v.allowed ? c.green("allowed: a new connection passes (and its replies, through conntrack)") : c.red(`denied: ${!v.egress.isolated || v.egress.allowedBy ? "the server's ingress" : "the client's egress"} isolation lets nothing of it through`),
  ];
  process.stdout.write(out.join("\n") + "\n");
  if (!opts.probe) return 0;
  const probe = proto === "UDP" ? `echo x | nc -u -w 1 ${b.ip} ${port} | grep -q .` : `nc -z -w 1 ${b.ip} ${port}`;
  const r = await run([...enterArgv(meta, from), "sh", "-c", probe]);
  const got = r.code === 0;
  process.stdout.write(`probe: ${got ? "connected" : "no connection"}${got === v.allowed ? "" : c.red(" — not what the policies say (is something listening there?)")}\n`);
  return got === v.allowed ? 0 : 1;
}

function side(dir: "egress" | "ingress", word: string, who: string, s: Side): string {
  if (!s.isolated) return `${dir}: no policy selects ${who.split(" ")[0]} for ${dir}: not isolated, everything ${word === "from" ? "out" : "in"} is allowed`;
  const by = s.allowedBy ? `allowed by ${s.allowedBy.policy}, ${dir} rule ${s.allowedBy.rule + 1}` : c.red(`no rule of these allows it`);
  return `${dir}: isolated by ${s.policies.join(", ")}; ${by}`;
}
