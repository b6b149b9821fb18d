// The shape of a lab file (docs/lab-format.md), checked with zod before any semantic check.
// Objects are strict so a typo'd key is an error, not a no-op. Every key is described from the
// reference (src/lab/reference/), which editors show on hover through the JSON Schema.
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { doc } from "./reference/index.js";

// zod's functional build (zod/mini) holds only what is used: the classic one bundled 615 KB of
// zod, all its locales included, that every command read and V8 loaded (docs/startup.md). Its
// issues are the same; English messages, which classic sets itself, are set here.
z.config(en());
// A lab is parsed once per run: zod's JIT (a function compiled per object schema on its first
// parse) costs more than it saves there (validate: 13 ms → 5 ms).
z.config({ jitless: true });

/** A key's schema with its hover text, for the JSON Schema (`s`: this key's own schema, registered as it is). */
const about = <T extends z.ZodMiniType>(s: T, text: string): T => (z.globalRegistry.add(s, { description: text }), s);
/** A key that may be left out, with its hover text. */
const opt = <T extends z.ZodMiniType>(s: T, text: string) => about(z.optional(s), text);

export const LAB_NAME = /^[a-z][a-z0-9-]*$/;
/** Node and network names become namespace names and hostnames: keep them tame. */
export const OBJ_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const labName = z.string().check(
  z.regex(LAB_NAME, { message: "must start with a lowercase letter and contain only a-z, 0-9 and '-'" }),
  z.maxLength(63, { message: "must be at most 63 characters" }),
);

/** A node's name may carry a namespace, `NS/NAME`, as pods do (`kube-system/coredns`): each part an OBJ_NAME. */
export const NODE_NAME = /^([a-z0-9][a-z0-9_-]{0,31}\/)?[a-z0-9][a-z0-9_-]*$/;

const nodeName = z.string().check(
  z.regex(NODE_NAME, { message: "node names use a-z, 0-9, '-' and '_', starting with a letter or digit, with at most one namespace before a '/' (ns/pod)" }),
  z.maxLength(65, { message: "node names are at most 32 characters, and as much again for a namespace" }),
  z.refine((n) => n.split("/").pop()!.length <= 32, { message: "node names are at most 32 characters (after a namespace)" }),
);

const objName = (what: string) =>
  z.string().check(
    z.regex(OBJ_NAME, { message: `${what} names use a-z, 0-9, '-' and '_', starting with a letter or digit` }),
    z.maxLength(32, { message: `${what} names are at most 32 characters` }),
  );

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const commands = z.union([z.string(), z.array(z.string())]);

/** The hover text of a key, from the reference (src/lab/reference/), under a section's path. */
const at = (prefix: string) => (key: string) => doc(`${prefix}.${key}`);
const rt = at("route"), fw = at("firewall"), ne = at("netem"), net = at("networks.*"), att = at("nodes.*.networks.*");
const node = at("nodes.*"), vm = at("hosts.*"), ul = at("underlay"), ln = at("links[]"), ep = at("links[].endpoints[]");
const ck = at("checks[]"), hs = at("host"), rec = at("records[]");

/** A route as a map; a route may also be a string in `ip route` form. */
export const RouteSchema = z.strictObject({
  to: about(z.string(), rt("to")),
  via: opt(z.string(), rt("via")),
  dev: opt(z.string(), rt("dev")),
  table: opt(z.union([z.number().check(z.int()), z.string()]), rt("table")),
  metric: opt(z.number().check(z.int(), z.nonnegative()), rt("metric")),
  /** host.routes only: the lab means to override a route the host already has; `down` puts it back. */
  replace: opt(z.boolean(), rt("replace")),
});
const route = z.union([z.string(), RouteSchema]);

export const FirewallSchema = z.strictObject({
  input: opt(z.enum(["accept", "drop"]), fw("input")),
  forward: opt(z.enum(["accept", "drop"]), fw("forward")),
  output: opt(z.enum(["accept", "drop"]), fw("output")),
  allow: opt(z.array(z.string()), fw("allow")),
  rules: opt(z.array(z.string()), fw("rules")),
});

const sysctls = z.record(z.string(), scalar);
const files = z.record(z.string(), z.string());
const labels = z.record(z.string(), z.string());

/** Link impairments, as tc-netem(8) spells them: numbers alone are milliseconds and percent. */
export const NetemSchema = z.strictObject({
  delay: opt(z.union([z.string(), z.number().check(z.nonnegative())]), ne("delay")),
  jitter: opt(z.union([z.string(), z.number().check(z.nonnegative())]), ne("jitter")),
  loss: opt(z.union([z.string(), z.number().check(z.gte(0), z.lte(100))]), ne("loss")),
  rate: opt(z.string(), ne("rate")),
});

export const NetworkSchema = z.strictObject({
  /** Checked against the registered kinds by the networks pass, which says which exist. */
  kind: opt(z.string(), net("kind")),
  subnet: opt(z.string(), net("subnet")),
  subnet6: opt(z.string(), net("subnet6")),
  gateway: opt(z.string(), net("gateway")),
  gateway6: opt(z.string(), net("gateway6")),
  nat: opt(z.boolean(), net("nat")),
  nat6: opt(z.boolean(), net("nat6")),
  gatewayMode: opt(z.enum(["nat", "nat-unprotected", "routed"]), net("gatewayMode")),
  trustedInterfaces: opt(z.array(z.string()), net("trustedInterfaces")),
  dns: opt(z.boolean(), net("dns")),
  internal: opt(z.boolean(), net("internal")),
  isolate: opt(z.boolean(), net("isolate")),
  mtu: opt(z.number().check(z.int(), z.gte(68), z.lte(65535)), net("mtu")),
  in: opt(z.string(), net("in")),
  /** The virtual host (`hosts:`) that holds this network; a vxlan network spans `hosts`. */
  host: opt(z.string(), net("host")),
  /** The bridge's interface name where netlab owns the namespace (a node's, a virtual host's, an isolated lab's host). */
  bridge: opt(z.string(), net("bridge")),
  /** vxlan: the VXLAN network identifier, the virtual hosts it spans (default all), the UDP port. */
  vni: opt(z.number().check(z.int(), z.gte(1), z.lte(16777215)), net("vni")),
  hosts: opt(z.array(z.string()), net("hosts")),
  port: opt(z.number().check(z.int(), z.gte(1), z.lte(65535)), net("port")),
  /** macvlan, ipvlan, vlan: the parent interface, HOST:IFACE (an interface netlab made); the mode; the VLAN id. */
  parent: opt(z.string(), net("parent")),
  mode: opt(z.string(), net("mode")),
  id: opt(z.number().check(z.int(), z.gte(1), z.lte(4094)), net("id")),
  netem: opt(NetemSchema, net("netem")),
  description: opt(z.string(), net("description")),
});

const attachment = z.nullable(
  z.strictObject({
    ip: opt(z.string(), att("ip")),
    ip6: opt(z.string(), att("ip6")),
    iface: opt(z.string(), att("iface")),
    mac: opt(z.string(), att("mac")),
    /** More names for this node on this network (several nodes under one alias: round robin). */
    aliases: opt(z.array(z.string()), att("aliases")),
  }),
);

export const NodeSchema = z.strictObject({
  description: opt(z.string(), node("description")),
  networks: opt(z.union([z.array(z.string()), z.record(z.string(), attachment)]), node("networks")),
  routes: opt(z.array(route), node("routes")),
  rules: opt(z.array(z.string()), node("rules")),
  forward: opt(z.boolean(), node("forward")),
  sysctls: opt(sysctls, node("sysctls")),
  firewall: opt(FirewallSchema, node("firewall")),
  publish: opt(z.array(z.string()), node("publish")),
  hosts: opt(z.union([z.record(z.string(), z.string()), z.array(z.string())]), node("hosts")),
  dns: opt(
    z.strictObject({
      nameservers: opt(z.array(z.string()), node("dns.nameservers")),
      search: opt(z.array(z.string()), node("dns.search")),
      upstreams: opt(z.array(z.string()), node("dns.upstreams")),
      options: opt(z.array(z.string()), node("dns.options")),
    }),
    node("dns"),
  ),
  labels: opt(labels, node("labels")),
  run: opt(commands, node("run")),
  exec: opt(commands, node("exec")),
  /** The virtual host this node lives on. */
  host: opt(z.string(), node("host")),
  /** Files under /etc inside the node (through /etc/netns/<ns>/…): path → content. */
  files: opt(files, node("files")),
});

/** A virtual machine of the lab (`hosts:`): a namespace with eth0 on the underlay, forwarding on. */
export const VhostSchema = z.strictObject({
  description: opt(z.string(), vm("description")),
  /** Its address on the underlay; automatic (.11, .12, …) when left out. */
  underlay: opt(z.string(), vm("underlay")),
  routes: opt(z.array(route), vm("routes")),
  rules: opt(z.array(z.string()), vm("rules")),
  forward: opt(z.boolean(), vm("forward")),
  sysctls: opt(sysctls, vm("sysctls")),
  firewall: opt(FirewallSchema, vm("firewall")),
  labels: opt(labels, vm("labels")),
  run: opt(commands, vm("run")),
  exec: opt(commands, vm("exec")),
  files: opt(files, vm("files")),
});

export const UnderlaySchema = z.strictObject({
  subnet: opt(z.string(), ul("subnet")),
  mtu: opt(z.number().check(z.int(), z.gte(1280), z.lte(65535)), ul("mtu")),
});

const endpoint = z.union([
  z.string(),
  z.strictObject({
    node: about(z.string(), ep("node")),
    iface: about(z.string(), ep("iface")),
    ip: opt(z.string(), ep("ip")),
    ip6: opt(z.string(), ep("ip6")),
    mac: opt(z.string(), ep("mac")),
  }),
]);

export const LinkSchema = z.strictObject({
  endpoints: about(z.tuple([endpoint, endpoint]), ln("endpoints")),
  subnet: opt(z.string(), ln("subnet")),
  subnet6: opt(z.string(), ln("subnet6")),
  mtu: opt(z.number().check(z.int(), z.gte(68), z.lte(65535)), ln("mtu")),
  netem: opt(NetemSchema, ln("netem")),
});

export const CheckSchema = z.strictObject({
  name: opt(z.string(), ck("name")),
  from: opt(z.string(), ck("from")),
  matrix: opt(z.strictObject({ port: about(z.union([z.string(), z.number()]), ck("matrix.port")), pods: about(z.array(z.string()), ck("matrix.pods")), expect: about(z.string(), ck("matrix.expect")) }), ck("matrix")),
  ping: opt(z.string(), ck("ping")),
  tcp: opt(z.string(), ck("tcp")),
  udp: opt(z.string(), ck("udp")),
  http: opt(z.string(), ck("http")),
  dns: opt(z.string(), ck("dns")),
  expect: opt(z.enum(["pass", "fail"]), ck("expect")),
  timeout: opt(z.union([z.string(), z.number()]), ck("timeout")),
  retries: opt(z.number().check(z.int(), z.gte(0), z.lte(100)), ck("retries")),
  count: opt(z.number().check(z.int(), z.gte(1), z.lte(100)), ck("count")),
  status: opt(z.number().check(z.int(), z.gte(100), z.lte(599)), ck("status")),
  contains: opt(z.string(), ck("contains")),
  equals: opt(z.union([z.string(), z.array(z.string())]), ck("equals")),
  type: opt(z.enum(["A", "AAAA", "SRV", "CNAME", "PTR", "TXT"]), ck("type")),
  resolver: opt(z.enum(["dns", "system"]), ck("resolver")),
  via: opt(z.string(), ck("via")),
  headers: opt(z.record(z.string(), z.string()), ck("headers")),
  /** Checks that count answers: N requests (new connections each), and who must answer them. */
  repeat: opt(z.number().check(z.int(), z.gte(1), z.lte(10000)), ck("repeat")),
  answeredBy: opt(z.union([z.array(z.string()), z.record(z.string(), z.string())]), ck("answeredBy")),
  tolerance: opt(z.string(), ck("tolerance")),
  sticky: opt(z.boolean(), ck("sticky")),
});

export const HostSchema = z.strictObject({
  forward: opt(z.boolean(), hs("forward")),
  sysctls: opt(sysctls, hs("sysctls")),
  firewall: opt(FirewallSchema, hs("firewall")),
  routes: opt(z.array(route), hs("routes")),
  exec: opt(commands, hs("exec")),
  run: opt(commands, hs("run")),
  files: opt(files, hs("files")),
});

/** A DNS record the lab's DNS servers answer, as a zone file line: name, type, data. */
export const RecordSchema = z.strictObject({
  name: about(z.string(), rec("name")),
  type: about(z.enum(["A", "AAAA", "CNAME", "SRV", "TXT"]), rec("type")),
  data: about(z.union([z.string(), z.array(z.string()).check(z.minLength(1))]), rec("data")),
  networks: opt(z.array(z.string()), rec("networks")),
});

const kube = at("kubernetes");

/** A cluster's networking from Kubernetes manifests (kube/): its nodes are virtual hosts, its pods nodes on their cni0. */
export const KubeSchema = z.strictObject({
  nodes: about(z.array(objName("host")).check(z.minLength(1, { message: "a cluster needs at least one node" })), kube("nodes")),
  podCIDR: opt(z.string(), kube("podCIDR")),
  serviceCIDR: opt(z.string(), kube("serviceCIDR")),
  loadBalancerCIDR: opt(z.string(), kube("loadBalancerCIDR")),
  routing: opt(z.enum(["host-gw", "vxlan"]), kube("routing")),
  proxyMode: opt(z.enum(["iptables", "nftables", "ipvs"]), kube("proxyMode")),
  manifests: opt(z.array(z.union([z.string(), z.record(z.string(), z.unknown())])), kube("manifests")),
});

export const LabSchema = z.strictObject({
  name: about(labName, doc("name")),
  description: opt(z.string(), doc("description")),
  isolated: opt(z.boolean(), doc("isolated")),
  host: opt(HostSchema, doc("host")),
  underlay: opt(UnderlaySchema, doc("underlay")),
  hosts: opt(z.record(objName("host"), z.nullable(VhostSchema)), doc("hosts")),
  networks: opt(z.record(objName("network"), NetworkSchema), doc("networks")),
  nodes: opt(z.record(nodeName, z.nullable(NodeSchema)), doc("nodes")),
  links: opt(z.array(LinkSchema), doc("links")),
  records: opt(z.array(RecordSchema), doc("records")),
  kubernetes: opt(KubeSchema, doc("kubernetes")),
  checks: opt(z.array(CheckSchema), doc("checks")),
});

export type RawLab = z.infer<typeof LabSchema>;
export type RawNode = z.infer<typeof NodeSchema>;
export type RawVhost = z.infer<typeof VhostSchema>;
export type RawNetwork = z.infer<typeof NetworkSchema>;
export type RawLink = z.infer<typeof LinkSchema>;
export type RawCheck = z.infer<typeof CheckSchema>;
export type RawRecord = z.infer<typeof RecordSchema>;
export type RawKube = z.infer<typeof KubeSchema>;
export type RawRoute = z.infer<typeof route>;
export type RawFirewall = z.infer<typeof FirewallSchema>;
