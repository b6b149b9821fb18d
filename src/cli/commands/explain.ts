// `netlab explain LAB FROM TO[:PORT[/PROTO]] [--probe]`: why a new connection is allowed or
// denied by the cluster's NetworkPolicies — which policies isolate the client for egress and the
// server for ingress, which rule of which policy allows each side, or that none does — and, with
// --probe, what a real connection from FROM's namespace does (kube/policy/verdict.ts decides).
import { UsageError } from "../../errors.js";
import { endOf, nsLabelsOf, policiesOf, policyPods } from "../../kube/policy/ends.js";
import { contains, parseAddr, parsePrefix } from "../../net/ip.js";
import { verdict, type Side } from "../../kube/policy/verdict.js";
import { enterArgv, requireUp } from "../../running.js";
import { run } from "../../runtime/proc.js";
import { c } from "../output.js";

export async function explainCmd(ref: string, from: string, to: string, opts: { probe?: boolean }): Promise<number> {
  const m = target(to);
  if (m[2] && /^\d+$/.test(m[2]) && !(Number(m[2]) >= 1 && Number(m[2]) <= 65535)) throw new UsageError(`port ${m[2]} is not a port number (1-65535)`, "e.g. backend-0:8080");
  const meta = await requireUp(ref);
  const lab = meta.lab;
  if (!lab.kube) throw new UsageError(`lab ${lab.name} has no kubernetes: section`, "explain answers for a cluster's NetworkPolicies");
  const a = endOf(lab, from);
  // A Service (by name or ClusterIP): policies apply after kube-proxy's DNAT, to its endpoint pods.
  // A pod and a Service of one name: the pod (TO names a pod), unless svc/ or service/ says otherwise; pod/ says pod.
  const [kind, name] = /^(svc|service|services|pod|pods|po)\//.test(m[1]) ? [m[1].split("/")[0], m[1].slice(m[1].indexOf("/") + 1)] : ["", m[1]];
  // A bare name is looked up as the client's DNS would: in its own namespace, then default's.
  const home = "ns" in a ? a.ns : "default";
  const services = lab.kube.services;
  const svc = services.find((x) => x.clusterIP === name || `${x.ns}/${x.name}` === name || `${x.name}.${x.ns}` === name) ?? [home, "default"].map((n) => services.find((x) => x.ns === n && x.name === name)).find(Boolean);
  const isPod = kind.startsWith("po") || (kind === "" && policyPods(lab).some((p) => p.node === name || `${p.ns}/${p.name}` === name));
  if (svc && !isPod) return explainService(meta, from, a, svc, m, !!opts.probe);
  if (kind.startsWith("s")) throw new UsageError(`no service ${name} in lab ${lab.name}`, `services: ${lab.kube.services.map((x) => `${x.ns}/${x.name}`).join(", ")}`);
  const b = endOf(lab, name);
  const proto = (m[3] ?? "tcp").toUpperCase();
  const ports = "ports" in b ? b.ports.filter((x) => x.protocol === proto) : [];
  const named = m[2] && !/^\d+$/.test(m[2]) ? ports.find((x) => x.name === m[2])?.port : undefined;
  if (m[2] && !/^\d+$/.test(m[2]) && named === undefined) throw new UsageError(`${m[1]} has no ${proto} port named ${m[2]}`, `its ports: ${ports.map((x) => x.name ?? x.port).join(", ") || "none"}`);
  const port = Number(named ?? m[2] ?? ports[0]?.port ?? 80);
  // Nothing listens there: no connection whatever the policies say (the matrix's "-").
  const idle = "ns" in b && !ports.some((x) => x.port === port);
  // A probe runs inside FROM: a pod or a node, not a bare address.
  if (opts.probe && !lab.nodes.some((n) => n.name === from) && !("ns" in a && lab.nodes.some((n) => n.name === a.node))) throw new UsageError(`--probe runs inside FROM: ${from} is no pod or node`, "name the pod or node");
  const v = verdict(policiesOf(lab), nsLabelsOf(lab), a, b, port, proto);
  // The node a pod runs on always reaches it (kubelet's probes): kube-router and Calico allow it,
  // whatever the policies; and a pod reaching itself never leaves its namespace (the e2e tests ignore it).
  const self = "ns" in a && "ns" in b && a.node === b.node;
  const own = self || ("ns" in b && lab.kube.pods.some((p) => p.ns === b.ns && p.name === b.name && p.on === from));
  if (own) v.allowed = true;
  const out = [
    `${a.label} → ${b.label} port ${port}/${proto}`,
    side("egress", "from", a.label, v.egress, outside(lab, a)),
    own && !self ? `ingress: ${from} is the node it runs on: its traffic passes before any policy is asked` : side("ingress", "to", b.label, v.ingress, outside(lab, b)),
    self ? c.green("allowed: a pod reaching itself never leaves its own namespace, and no policy sees it")
    : own ? c.green(`allowed: ${from} is the node ${b.label.split(" ")[0]} runs on, and a node always reaches its own pods (kube-router's "source is the pod's local node" rule)`)
    : v.allowed ? c.green("allowed: a new connection passes (and its replies, through conntrack)") : c.red(`denied: ${!v.egress.isolated || v.egress.allowedBy ? "the server's ingress" : "the client's egress"} isolation lets nothing of it through`),
  ];
  if (idle) out.push(`note: nothing on ${b.label.split(" ")[0]} serves ${port}/${proto}, so no connection is made there whatever the policies say`);
  process.stdout.write(out.join("\n") + "\n");
  if (!opts.probe) return 0;
  const got = await probe(meta, "ns" in a ? a.node : from, b.ip, port, proto);
  const agrees = got === (v.allowed && !idle);
  process.stdout.write(`probe: ${got ? "connected" : "no connection"}${agrees ? "" : c.red(" — not what the policies say (is something listening there, and a route to it?)")}\n`);
  return agrees ? 0 : 1;
}

/** A real connection from `from`'s namespace: TCP connects; UDP is answered (a DNS question on 53, a datagram elsewhere: netlab serve udp answers it). */
async function probe(meta: Awaited<ReturnType<typeof requireUp>>, from: string, ip: string, port: number, proto: string): Promise<boolean> {
  const cmd = proto !== "UDP" ? `nc -z -w 1 ${ip} ${port}` : port === 53 ? `dig +tries=1 +time=1 -p 53 @${ip} kubernetes.default.svc.cluster.local >/dev/null` : `echo x | nc -u -w 1 ${ip} ${port} | grep -q .`;
  return (await run([...enterArgv(meta, from), "sh", "-c", cmd])).code === 0;
}

/** TO is a Service: the verdict for each of its endpoints (after DNAT), and a probe through the ClusterIP. */
async function explainService(meta: Awaited<ReturnType<typeof requireUp>>, from: string, a: ReturnType<typeof endOf>, svc: NonNullable<typeof meta.lab.kube>["services"][number], m: ReturnType<typeof target>, doProbe: boolean): Promise<number> {
  const lab = meta.lab;
  const proto = (m[3] ?? svc.ports[0]?.protocol ?? "tcp").toUpperCase();
  const sp = svc.ports.find((p) => p.protocol === proto && (!m[2] || p.port === Number(m[2])));
  if (!sp) throw new UsageError(`service ${svc.ns}/${svc.name} has no port ${m[2] ?? ""}/${proto}`, `its ports: ${svc.ports.map((p) => `${p.port}/${p.protocol}`).join(", ")}`);
  process.stdout.write(`${a.label} → service ${svc.ns}/${svc.name} ${svc.clusterIP}:${sp.port}/${proto}: kube-proxy sends it to one of ${sp.endpoints.length} endpoint${sp.endpoints.length === 1 ? "" : "s"}; policies apply to that pod\n`);
  let all = sp.endpoints.length > 0;
  let some = false;
  for (const e of sp.endpoints) {
    const b = endOf(lab, e.pod);
    const v = verdict(policiesOf(lab), nsLabelsOf(lab), a, b, e.port, proto);
    all &&= v.allowed;
    some ||= v.allowed;
    process.stdout.write(`  ${b.label}:${e.port}: ${v.allowed ? c.green(`allowed${because(v)}`) : c.red(`denied (${!v.egress.isolated || v.egress.allowedBy ? `ingress: isolated by ${v.ingress.policies.join(", ")}` : `egress: isolated by ${v.egress.policies.join(", ")}`})`)}\n`);
  }
  if (!sp.endpoints.length) process.stdout.write(c.red("  no endpoints: kube-proxy rejects it\n"));
  if (!doProbe) return 0;
  const got = await probe(meta, from, svc.clusterIP, sp.port, proto);
  process.stdout.write(`probe through ${svc.clusterIP}: ${got ? "connected" : "no connection"}\n`);
  // Some endpoints allowed and some not: the probe may land on either.
  const agrees = all ? got : some ? true : !got;
  if (!agrees) process.stdout.write(c.red("not what the policies say\n"));
  return agrees ? 0 : 1;
}

/** The rules that let an allowed connection through, each side's: " (egress: x/p rule 1; ingress: …)", or "". */
const because = (v: ReturnType<typeof verdict>) => {
  const by = (["egress", "ingress"] as const).flatMap((d) => (v[d].allowedBy ? [`${d}: ${v[d].allowedBy.policy} rule ${v[d].allowedBy.rule + 1}`] : []));
  return by.length ? ` (${by.join("; ")})` : "";
};

/**
 * TO[:PORT][/PROTO]: PORT a number or a container port's name (resolved on the pod). A last
 * `/WORD` is the protocol only after a port or when it is tcp, udp or sctp: `svc/backend` and
 * `shop/web` are names. [whole, to, port, proto].
 */
function target(to: string): [string, string, string | undefined, string | undefined] {
  const last = /\/([a-z]+)$/i.exec(to)?.[1];
  const proto = last && (/^(tcp|udp|sctp)$/i.test(last) || /:[a-z0-9-]+\/[a-z]+$/i.test(to)) ? last : undefined;
  if (proto && !/^(tcp|udp|sctp)$/i.test(proto)) throw new UsageError(`protocol ${proto}: explain answers for tcp, udp or sctp`, "NetworkPolicy ports are TCP, UDP or SCTP; ICMP is policed with everything else a policy does not allow");
  const rest = proto ? to.slice(0, -proto.length - 1) : to;
  const m = /^(.+?)(?::([a-z0-9-]*))?$/i.exec(rest);
  if (!m || m[2] === "") throw new UsageError(`"${to}" is not TO[:PORT[/PROTO]]`, "e.g. backend-0:8080/tcp, backend-0:http, svc/backend");
  return [to, m[1], m[2], proto];
}

/** How an end that is no pod is said, or "" for a pod. */
function outside(lab: NonNullable<Awaited<ReturnType<typeof requireUp>>["lab"]>, e: ReturnType<typeof endOf>): string {
  if ("ns" in e) return "";
  if (e.isNode) return `is ${e.isNode === "cluster" ? "a cluster node" : "a machine of the lab outside the cluster"}, not a pod: no policy isolates it`;
  const pods = parsePrefix(lab.kube!.podCIDR, false);
  const a = parseAddr(e.ip);
  return pods && a && a.family === 4 && contains(pods, 4, a.addr) ? "is no pod's address (none has it): no policy isolates it" : "is outside the cluster: no policy isolates it";
}

function side(dir: "egress" | "ingress", word: string, who: string, s: Side, outsider = ""): string {
  if (outsider) return `${dir}: ${who.split(" ")[0]} ${outsider}`;
  if (s.excepted) return `${dir}: isolated by ${s.policies.join(", ")}; ${c.red(`no rule of these allows it: ${s.excepted.policy}, ${dir} rule ${s.excepted.rule + 1}, takes its ipBlock's except ${s.excepted.except} out`)}`;
  if (!s.isolated) return `${dir}: no policy selects ${who.split(" ")[0]} for ${dir}: not isolated, everything ${word === "from" ? "out" : "in"} is allowed`;
  const by = s.allowedBy ? `allowed by ${s.allowedBy.policy}, ${dir} rule ${s.allowedBy.rule + 1}` : c.red(`no rule of these allows it`);
  return `${dir}: isolated by ${s.policies.join(", ")}; ${by}`;
}
