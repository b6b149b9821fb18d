// The shape of a lab file (docs/lab-format.md), checked with zod before any semantic check.
// Objects are strict so a typo'd key is an error, not a no-op. Every key is described from the
// reference (src/lab/reference/), which editors show on hover through the JSON Schema.
import { z } from "zod";
import { doc } from "./reference/index.js";

// A lab is parsed once per run: zod's JIT (a function compiled per object schema on its first
// parse) costs more than it saves there (validate: 13 ms → 5 ms).
z.config({ jitless: true });

export const LAB_NAME = /^[a-z][a-z0-9-]*$/;
/** Node and network names become namespace names and hostnames: keep them tame. */
export const OBJ_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const labName = z
  .string()
  .regex(LAB_NAME, { message: "must start with a lowercase letter and contain only a-z, 0-9 and '-'" })
  .max(63, { message: "must be at most 63 characters" });

/** A node's name may carry a namespace, `NS/NAME`, as pods do (`kube-system/coredns`): each part an OBJ_NAME. */
export const NODE_NAME = /^([a-z0-9][a-z0-9_-]{0,31}\/)?[a-z0-9][a-z0-9_-]*$/;

const nodeName = z
  .string()
  .regex(NODE_NAME, { message: "node names use a-z, 0-9, '-' and '_', starting with a letter or digit, with at most one namespace before a '/' (ns/pod)" })
  .max(65, { message: "node names are at most 32 characters, and as much again for a namespace" })
  .refine((n) => n.split("/").pop()!.length <= 32, { message: "node names are at most 32 characters (after a namespace)" });

const objName = (what: string) =>
  z
    .string()
    .regex(OBJ_NAME, { message: `${what} names use a-z, 0-9, '-' and '_', starting with a letter or digit` })
    .max(32, { message: `${what} names are at most 32 characters` });

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const commands = z.union([z.string(), z.array(z.string())]);

/** The hover text of a key, from the reference (src/lab/reference/), under a section's path. */
const at = (prefix: string) => (key: string) => doc(`${prefix}.${key}`);
const rt = at("route"), fw = at("firewall"), ne = at("netem"), net = at("networks.*"), att = at("nodes.*.networks.*");
const node = at("nodes.*"), vm = at("hosts.*"), ul = at("underlay"), ln = at("links[]"), ep = at("links[].endpoints[]");
const ck = at("checks[]"), hs = at("host"), rec = at("records[]");

/** A route as a map; a route may also be a string in `ip route` form. */
export const RouteSchema = z.strictObject({
  to: z.string().describe(rt("to")),
  via: z.string().optional().describe(rt("via")),
  dev: z.string().optional().describe(rt("dev")),
  table: z.union([z.number().int(), z.string()]).optional().describe(rt("table")),
  metric: z.number().int().nonnegative().optional().describe(rt("metric")),
  /** host.routes only: the lab means to override a route the host already has; `down` puts it back. */
  replace: z.boolean().optional().describe(rt("replace")),
});
const route = z.union([z.string(), RouteSchema]);

export const FirewallSchema = z.strictObject({
  input: z.enum(["accept", "drop"]).optional().describe(fw("input")),
  forward: z.enum(["accept", "drop"]).optional().describe(fw("forward")),
  output: z.enum(["accept", "drop"]).optional().describe(fw("output")),
  allow: z.array(z.string()).optional().describe(fw("allow")),
  rules: z.array(z.string()).optional().describe(fw("rules")),
});

const sysctls = z.record(z.string(), scalar);
const files = z.record(z.string(), z.string());
const labels = z.record(z.string(), z.string());

/** Link impairments, as tc-netem(8) spells them: numbers alone are milliseconds and percent. */
export const NetemSchema = z.strictObject({
  delay: z.union([z.string(), z.number().nonnegative()]).optional().describe(ne("delay")),
  jitter: z.union([z.string(), z.number().nonnegative()]).optional().describe(ne("jitter")),
  loss: z.union([z.string(), z.number().min(0).max(100)]).optional().describe(ne("loss")),
  rate: z.string().optional().describe(ne("rate")),
});

export const NetworkSchema = z.strictObject({
  /** Checked against the registered kinds by the networks pass, which says which exist. */
  kind: z.string().optional().describe(net("kind")),
  subnet: z.string().optional().describe(net("subnet")),
  subnet6: z.string().optional().describe(net("subnet6")),
  gateway: z.string().optional().describe(net("gateway")),
  gateway6: z.string().optional().describe(net("gateway6")),
  nat: z.boolean().optional().describe(net("nat")),
  nat6: z.boolean().optional().describe(net("nat6")),
  gatewayMode: z.enum(["nat", "nat-unprotected", "routed"]).optional().describe(net("gatewayMode")),
  trustedInterfaces: z.array(z.string()).optional().describe(net("trustedInterfaces")),
  dns: z.boolean().optional().describe(net("dns")),
  internal: z.boolean().optional().describe(net("internal")),
  isolate: z.boolean().optional().describe(net("isolate")),
  mtu: z.number().int().min(68).max(65535).optional().describe(net("mtu")),
  in: z.string().optional().describe(net("in")),
  /** The virtual host (`hosts:`) that holds this network; a vxlan network spans `hosts`. */
  host: z.string().optional().describe(net("host")),
  /** The bridge's interface name where netlab owns the namespace (a node's, a virtual host's, an isolated lab's host). */
  bridge: z.string().optional().describe(net("bridge")),
  /** vxlan: the VXLAN network identifier, the virtual hosts it spans (default all), the UDP port. */
  vni: z.number().int().min(1).max(16777215).optional().describe(net("vni")),
  hosts: z.array(z.string()).optional().describe(net("hosts")),
  port: z.number().int().min(1).max(65535).optional().describe(net("port")),
  /** macvlan, ipvlan, vlan: the parent interface, HOST:IFACE (an interface netlab made); the mode; the VLAN id. */
  parent: z.string().optional().describe(net("parent")),
  mode: z.string().optional().describe(net("mode")),
  id: z.number().int().min(1).max(4094).optional().describe(net("id")),
  netem: NetemSchema.optional().describe(net("netem")),
  description: z.string().optional().describe(net("description")),
});

const attachment = z
  .strictObject({
    ip: z.string().optional().describe(att("ip")),
    ip6: z.string().optional().describe(att("ip6")),
    iface: z.string().optional().describe(att("iface")),
    mac: z.string().optional().describe(att("mac")),
    /** More names for this node on this network (several nodes under one alias: round robin). */
    aliases: z.array(z.string()).optional().describe(att("aliases")),
  })
  .nullable();

export const NodeSchema = z.strictObject({
  description: z.string().optional().describe(node("description")),
  networks: z.union([z.array(z.string()), z.record(z.string(), attachment)]).optional().describe(node("networks")),
  routes: z.array(route).optional().describe(node("routes")),
  rules: z.array(z.string()).optional().describe(node("rules")),
  forward: z.boolean().optional().describe(node("forward")),
  sysctls: sysctls.optional().describe(node("sysctls")),
  firewall: FirewallSchema.optional().describe(node("firewall")),
  publish: z.array(z.string()).optional().describe(node("publish")),
  hosts: z.union([z.record(z.string(), z.string()), z.array(z.string())]).optional().describe(node("hosts")),
  dns: z
    .strictObject({
      nameservers: z.array(z.string()).optional().describe(node("dns.nameservers")),
      search: z.array(z.string()).optional().describe(node("dns.search")),
      upstreams: z.array(z.string()).optional().describe(node("dns.upstreams")),
      options: z.array(z.string()).optional().describe(node("dns.options")),
    })
    .optional()
    .describe(node("dns")),
  labels: labels.optional().describe(node("labels")),
  run: commands.optional().describe(node("run")),
  exec: commands.optional().describe(node("exec")),
  /** The virtual host this node lives on. */
  host: z.string().optional().describe(node("host")),
  /** Files under /etc inside the node (through /etc/netns/<ns>/…): path → content. */
  files: files.optional().describe(node("files")),
});

/** A virtual machine of the lab (`hosts:`): a namespace with eth0 on the underlay, forwarding on. */
export const VhostSchema = z.strictObject({
  description: z.string().optional().describe(vm("description")),
  /** Its address on the underlay; automatic (.11, .12, …) when left out. */
  underlay: z.string().optional().describe(vm("underlay")),
  routes: z.array(route).optional().describe(vm("routes")),
  rules: z.array(z.string()).optional().describe(vm("rules")),
  forward: z.boolean().optional().describe(vm("forward")),
  sysctls: sysctls.optional().describe(vm("sysctls")),
  firewall: FirewallSchema.optional().describe(vm("firewall")),
  labels: labels.optional().describe(vm("labels")),
  run: commands.optional().describe(vm("run")),
  exec: commands.optional().describe(vm("exec")),
  files: files.optional().describe(vm("files")),
});

export const UnderlaySchema = z.strictObject({
  subnet: z.string().optional().describe(ul("subnet")),
  mtu: z.number().int().min(1280).max(65535).optional().describe(ul("mtu")),
});

const endpoint = z.union([
  z.string(),
  z.strictObject({
    node: z.string().describe(ep("node")),
    iface: z.string().describe(ep("iface")),
    ip: z.string().optional().describe(ep("ip")),
    ip6: z.string().optional().describe(ep("ip6")),
    mac: z.string().optional().describe(ep("mac")),
  }),
]);

export const LinkSchema = z.strictObject({
  endpoints: z.tuple([endpoint, endpoint]).describe(ln("endpoints")),
  subnet: z.string().optional().describe(ln("subnet")),
  subnet6: z.string().optional().describe(ln("subnet6")),
  mtu: z.number().int().min(68).max(65535).optional().describe(ln("mtu")),
  netem: NetemSchema.optional().describe(ln("netem")),
});

export const CheckSchema = z.strictObject({
  name: z.string().optional().describe(ck("name")),
  from: z.string().optional().describe(ck("from")),
  matrix: z.strictObject({ port: z.union([z.string(), z.number()]).describe(ck("matrix.port")), pods: z.array(z.string()).describe(ck("matrix.pods")), expect: z.string().describe(ck("matrix.expect")) }).optional().describe(ck("matrix")),
  ping: z.string().optional().describe(ck("ping")),
  tcp: z.string().optional().describe(ck("tcp")),
  udp: z.string().optional().describe(ck("udp")),
  http: z.string().optional().describe(ck("http")),
  dns: z.string().optional().describe(ck("dns")),
  expect: z.enum(["pass", "fail"]).optional().describe(ck("expect")),
  timeout: z.union([z.string(), z.number()]).optional().describe(ck("timeout")),
  retries: z.number().int().min(0).max(100).optional().describe(ck("retries")),
  count: z.number().int().min(1).max(100).optional().describe(ck("count")),
  status: z.number().int().min(100).max(599).optional().describe(ck("status")),
  contains: z.string().optional().describe(ck("contains")),
  equals: z.union([z.string(), z.array(z.string())]).optional().describe(ck("equals")),
  type: z.enum(["A", "AAAA", "SRV", "CNAME", "PTR", "TXT"]).optional().describe(ck("type")),
  resolver: z.enum(["dns", "system"]).optional().describe(ck("resolver")),
  via: z.string().optional().describe(ck("via")),
  headers: z.record(z.string(), z.string()).optional().describe(ck("headers")),
  /** Checks that count answers: N requests (new connections each), and who must answer them. */
  repeat: z.number().int().min(1).max(10000).optional().describe(ck("repeat")),
  answeredBy: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional().describe(ck("answeredBy")),
  tolerance: z.string().optional().describe(ck("tolerance")),
  sticky: z.boolean().optional().describe(ck("sticky")),
});

export const HostSchema = z.strictObject({
  forward: z.boolean().optional().describe(hs("forward")),
  sysctls: sysctls.optional().describe(hs("sysctls")),
  firewall: FirewallSchema.optional().describe(hs("firewall")),
  routes: z.array(route).optional().describe(hs("routes")),
  exec: commands.optional().describe(hs("exec")),
  run: commands.optional().describe(hs("run")),
  files: files.optional().describe(hs("files")),
});

/** A DNS record the lab's DNS servers answer, as a zone file line: name, type, data. */
export const RecordSchema = z.strictObject({
  name: z.string().describe(rec("name")),
  type: z.enum(["A", "AAAA", "CNAME", "SRV", "TXT"]).describe(rec("type")),
  data: z.union([z.string(), z.array(z.string()).min(1)]).describe(rec("data")),
  networks: z.array(z.string()).optional().describe(rec("networks")),
});

const kube = at("kubernetes");

/** A cluster's networking from Kubernetes manifests (kube/): its nodes are virtual hosts, its pods nodes on their cni0. */
export const KubeSchema = z.strictObject({
  nodes: z.array(objName("host")).min(1, { message: "a cluster needs at least one node" }).describe(kube("nodes")),
  podCIDR: z.string().optional().describe(kube("podCIDR")),
  serviceCIDR: z.string().optional().describe(kube("serviceCIDR")),
  loadBalancerCIDR: z.string().optional().describe(kube("loadBalancerCIDR")),
  routing: z.enum(["host-gw", "vxlan"]).optional().describe(kube("routing")),
  proxyMode: z.enum(["iptables", "nftables", "ipvs"]).optional().describe(kube("proxyMode")),
  manifests: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional().describe(kube("manifests")),
});

export const LabSchema = z.strictObject({
  name: labName.describe(doc("name")),
  description: z.string().optional().describe(doc("description")),
  isolated: z.boolean().optional().describe(doc("isolated")),
  host: HostSchema.optional().describe(doc("host")),
  underlay: UnderlaySchema.optional().describe(doc("underlay")),
  hosts: z.record(objName("host"), VhostSchema.nullable()).optional().describe(doc("hosts")),
  networks: z.record(objName("network"), NetworkSchema).optional().describe(doc("networks")),
  nodes: z.record(nodeName, NodeSchema.nullable()).optional().describe(doc("nodes")),
  links: z.array(LinkSchema).optional().describe(doc("links")),
  records: z.array(RecordSchema).optional().describe(doc("records")),
  kubernetes: KubeSchema.optional().describe(doc("kubernetes")),
  checks: z.array(CheckSchema).optional().describe(doc("checks")),
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
