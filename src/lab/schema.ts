// The shape of a lab file (shared/lab-format.md), checked with zod before any
// semantic check. Objects are strict so a typo'd key is an error, not a no-op.
import { z } from "zod";

export const LAB_NAME = /^[a-z][a-z0-9-]*$/;
/** Node and network names become namespace names and hostnames: keep them tame. */
export const OBJ_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const labName = z
  .string()
  .regex(LAB_NAME, { message: "must start with a lowercase letter and contain only a-z, 0-9 and '-'" })
  .max(12, { message: "must be at most 12 characters (it prefixes kernel interface names, which are limited to 15)" });

const objName = (what: string) =>
  z
    .string()
    .regex(OBJ_NAME, { message: `${what} names use a-z, 0-9, '-' and '_', starting with a letter or digit` })
    .max(32, { message: `${what} names are at most 32 characters` });

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const commands = z.union([z.string(), z.array(z.string())]);

const route = z.union([
  z.string(),
  z.strictObject({
    to: z.string(),
    via: z.string().optional(),
    dev: z.string().optional(),
    table: z.union([z.number().int(), z.string()]).optional(),
    metric: z.number().int().nonnegative().optional(),
    /** host.routes only: the lab means to override a route the host already has; `down` puts it back. */
    replace: z.boolean().optional(),
  }),
]);

const firewall = z.strictObject({
  input: z.enum(["accept", "drop"]).optional(),
  forward: z.enum(["accept", "drop"]).optional(),
  output: z.enum(["accept", "drop"]).optional(),
  allow: z.array(z.string()).optional(),
  rules: z.array(z.string()).optional(),
});

const sysctls = z.record(z.string(), scalar);

/** Link impairments, as tc-netem(8) spells them: numbers alone are milliseconds and percent. */
const netem = z
  .strictObject({
    delay: z.union([z.string(), z.number().nonnegative()]).optional().describe('one-way delay added on each end, e.g. "20ms", "1s"'),
    jitter: z.union([z.string(), z.number().nonnegative()]).optional().describe('random variation of the delay, e.g. "5ms" (needs delay)'),
    loss: z.union([z.string(), z.number().min(0).max(100)]).optional().describe('share of packets dropped on each end, e.g. "1%"'),
    rate: z.string().optional().describe('bandwidth limit on each end, e.g. "10mbit", "512kbit" (alone: tbf, on every kernel)'),
  })
  .describe("impairments applied with tc on each member interface: delay, jitter and loss need the kernel's sch_netem");

export const NetworkSchema = z.strictObject({
  /** Checked against the registered kinds by the networks pass, which says which exist. */
  kind: z.string().optional().describe("bridge (default), vxlan, macvlan, ipvlan or vlan"),
  subnet: z.string().optional().describe("IPv4 prefix, e.g. 172.20.0.0/24; members get .2, .3, … in order"),
  subnet6: z.string().optional(),
  gateway: z.string().optional().describe("address of the bridge itself; default the first usable one; none: no address"),
  gateway6: z.string().optional(),
  nat: z.boolean().optional().describe("masquerade traffic from the subnet that leaves the host (docker0)"),
  nat6: z.boolean().optional(),
  gatewayMode: z.enum(["nat", "nat-unprotected", "routed"]).optional().describe("Docker's gateway mode: nat (default with nat: true; members reachable from outside the host only through published ports), nat-unprotected (masquerade, no filtering), routed (no NAT; published container ports reachable by routing)"),
  trustedInterfaces: z.array(z.string()).optional().describe("host interfaces from which members' published ports may be reached directly by routing (Docker's trusted_host_interfaces)"),
  dns: z.boolean().optional().describe("members resolve each other by name through a real DNS server at 127.0.0.11 (default true)"),
  internal: z.boolean().optional().describe("no forwarding between this network and anything else (docker --internal)"),
  isolate: z.boolean().optional(),
  mtu: z.number().int().min(68).max(65535).optional(),
  in: z.string().optional().describe("a node whose namespace holds the bridge instead of the host"),
  /** The virtual host (`hosts:`) that holds this network; a vxlan network spans `hosts`. */
  host: z.string().optional(),
  /** vxlan: the VXLAN network identifier, the virtual hosts it spans (default all), the UDP port. */
  vni: z.number().int().min(1).max(16777215).optional(),
  hosts: z.array(z.string()).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** macvlan, ipvlan, vlan: the parent interface, HOST:IFACE (an interface netlab made); the mode; the VLAN id. */
  parent: z.string().optional(),
  mode: z.string().optional(),
  id: z.number().int().min(1).max(4094).optional(),
  netem: netem.optional(),
  description: z.string().optional(),
});

const attachment = z
  .strictObject({
    ip: z.string().optional(),
    ip6: z.string().optional(),
    iface: z.string().optional(),
    mac: z.string().optional(),
    /** More names for this node on this network (several nodes under one alias: round robin). */
    aliases: z.array(z.string()).optional(),
  })
  .nullable();

export const NodeSchema = z.strictObject({
  description: z.string().optional(),
  networks: z.union([z.array(z.string()), z.record(z.string(), attachment)]).optional().describe("network names, or a map name: { ip, ip6, iface, mac, aliases }"),
  routes: z.array(route).optional(),
  rules: z.array(z.string()).optional(),
  forward: z.boolean().optional().describe("the node routes (ip_forward)"),
  sysctls: sysctls.optional(),
  firewall: firewall.optional(),
  publish: z.array(z.string()).optional().describe("Docker -p forms: \"8080:80\", \"127.0.0.1:8080:80\", \"5353:53/udp\""),
  hosts: z.union([z.record(z.string(), z.string()), z.array(z.string())]).optional(),
  dns: z
    .strictObject({ nameservers: z.array(z.string()).optional(), search: z.array(z.string()).optional(), upstreams: z.array(z.string()).optional() })
    .optional(),
  labels: z.record(z.string(), z.string()).optional(),
  run: commands.optional().describe("started in the background inside the node once the network is up; stopped by down"),
  exec: commands.optional(),
  /** The virtual host this node lives on. */
  host: z.string().optional(),
  /** Files under /etc inside the node (through /etc/netns/<ns>/…): path → content. */
  files: z.record(z.string(), z.string()).optional(),
});

/** A virtual machine of the lab (`hosts:`): a namespace with eth0 on the underlay, forwarding on. */
export const VhostSchema = z.strictObject({
  description: z.string().optional(),
  /** Its address on the underlay; automatic (.11, .12, …) when left out. */
  underlay: z.string().optional(),
  routes: z.array(route).optional(),
  rules: z.array(z.string()).optional(),
  forward: z.boolean().optional(),
  sysctls: sysctls.optional(),
  firewall: firewall.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  run: commands.optional(),
  exec: commands.optional(),
  files: z.record(z.string(), z.string()).optional(),
});

export const UnderlaySchema = z.strictObject({
  subnet: z.string().optional(),
  mtu: z.number().int().min(1280).max(65535).optional(),
});

const endpoint = z.union([
  z.string(),
  z.strictObject({
    node: z.string(),
    iface: z.string(),
    ip: z.string().optional(),
    ip6: z.string().optional(),
    mac: z.string().optional(),
  }),
]);

export const LinkSchema = z.strictObject({
  endpoints: z.tuple([endpoint, endpoint]),
  subnet: z.string().optional(),
  subnet6: z.string().optional(),
  mtu: z.number().int().min(68).max(65535).optional(),
  netem: netem.optional(),
});

export const CheckSchema = z
  .strictObject({
    name: z.string().optional(),
    from: z.string(),
    ping: z.string().optional(),
    tcp: z.string().optional(),
    udp: z.string().optional(),
    http: z.string().optional(),
    dns: z.string().optional(),
    expect: z.enum(["pass", "fail"]).optional(),
    timeout: z.union([z.string(), z.number()]).optional(),
    retries: z.number().int().min(0).max(100).optional(),
    count: z.number().int().min(1).max(100).optional(),
    status: z.number().int().min(100).max(599).optional(),
    contains: z.string().optional(),
    equals: z.string().optional(),
    via: z.enum(["dns", "system"]).optional().describe("dns checks: dns (default) asks the node's DNS server as dig does; system resolves as programs do (getent: /etc/hosts, then DNS)"),
    /** Checks that count answers: N requests (new connections each), and who must answer them. */
    repeat: z.number().int().min(1).max(10000).optional(),
    answeredBy: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
    tolerance: z.string().optional(),
  });

export const HostSchema = z.strictObject({
  forward: z.boolean().optional(),
  sysctls: sysctls.optional(),
  firewall: firewall.optional(),
  routes: z.array(route).optional(),
  exec: commands.optional(),
  run: commands.optional(),
  files: z.record(z.string(), z.string()).optional(),
});

export const LabSchema = z.strictObject({
  name: labName.describe("the lab's name: lowercase, [a-z][a-z0-9-]*, at most 12 characters"),
  description: z.string().optional().describe("one line shown by netlab labs and netlab status"),
  isolated: z.boolean().optional().describe("the lab's host is a namespace of its own: nothing changes where netlab runs"),
  host: HostSchema.optional().describe("the lab's host namespace: forward, sysctls, firewall, routes, exec, run, files"),
  underlay: UnderlaySchema.optional().describe("the network joining the virtual hosts: subnet, mtu"),
  hosts: z.record(objName("host"), VhostSchema.nullable()).optional().describe("virtual machines, each a namespace on the underlay"),
  networks: z.record(objName("network"), NetworkSchema).optional().describe("L2 segments: bridges (default), vxlan, macvlan, ipvlan, vlan"),
  nodes: z.record(objName("node"), NodeSchema.nullable()).optional().describe("one network namespace each"),
  links: z.array(LinkSchema).optional().describe("point-to-point veth cables"),
  checks: z.array(CheckSchema).optional().describe("what netlab test verifies, from inside the namespaces"),
});

export type RawLab = z.infer<typeof LabSchema>;
export type RawNode = z.infer<typeof NodeSchema>;
export type RawVhost = z.infer<typeof VhostSchema>;
export type RawNetwork = z.infer<typeof NetworkSchema>;
export type RawLink = z.infer<typeof LinkSchema>;
export type RawCheck = z.infer<typeof CheckSchema>;
export type RawRoute = z.infer<typeof route>;
export type RawFirewall = z.infer<typeof firewall>;
