// The reference: nodes.<name> — one network namespace each.
import { under, type KeyDoc, type KeyDocs } from "./types.js";

/** Keys a node and a virtual host share, with the same meaning. */
export const COMMON: Record<string, KeyDoc> = {
  routes: {
    type: "list of routes: ip route strings, or maps (see routes)",
    doc: "Routes in the namespace, in ip route form (\"10.0.2.0/24 via 10.0.1.2\", \"default via …\", \"… dev eth1\", \"… table 100\"); a gateway must be on one of its networks.",
    example: 'routes: ["10.2.0.0/24 via 10.1.0.3"]',
    bad: [[["10.2.0.0/24 via 10.5.0.1"]], [["10.2.0.0/24 dev eth9"]], [["somewhere via 10.1.0.3"]]],
  },
  rules: {
    type: "list of ip rule strings",
    doc: "Policy-routing rules in ip rule form, e.g. \"from 192.168.1.0/24 table 100\".",
    example: 'rules: ["from 10.1.0.0/24 table 100"]',
    bad: [[["from somewhere table 100"]]],
  },
  sysctls: {
    type: "map: net.* sysctl → value",
    doc: "Network sysctls set inside the namespace, keys as sysctl(8) reads them (net.ipv4.conf.eth0/100.rp_filter for interface eth0.100).",
    example: "sysctls: { net.ipv4.conf.all.rp_filter: 0 }",
    bad: [[{ "kernel.hostname": "x" }]],
  },
  firewall: {
    type: "map: input, forward, output, allow, rules (see firewall)",
    doc: "The namespace's own iptables filter: policies, allowed ports, raw rules; IPv6 gets the same policies and allow entries.",
    example: 'firewall: { input: drop, allow: ["tcp/80", "icmp"] }',
    bad: [[{ input: "reject" }]],
  },
  labels: {
    type: "map: string → string",
    doc: "Labels kept with the lab (a Compose service's labels land here); nothing acts on them yet.",
    example: "labels: { tier: web }",
    bad: [[{ tier: 1 }]],
  },
  run: {
    type: "command, or list of commands",
    doc: "Started in the background inside the namespace once the network is up, kept running until down (up restarts one that died); output in /run/netlab/<lab>/logs/.",
    example: "run: netlab serve http --port 80",
    bad: [[" "]],
  },
  exec: {
    type: "command, or list of commands",
    doc: "Run once, in order, inside the namespace after the network is up (the host's first, then each node's in declaration order); a non-zero exit fails up, which rolls back.",
    example: 'exec: ["ip link set eth0 promisc on"]',
    bad: [[[""]]],
  },
  files: {
    type: "map: path under /etc → content",
    doc: "Files seen inside the namespace at that path (through /etc/netns/<ns>/), for real daemons' configuration; the machine's /etc is never written.",
    example: 'files: { /etc/bird/bird.conf: "router id 10.1.0.2;" }',
    bad: [[{ "/var/lib/x": "" }], [{ "/etc/hosts": "" }]],
    upErrors: ["/etc/bird does not exist on this machine, so a's /etc/bird/bird.conf cannot be mounted there"],
  },
  description: { type: "string", doc: "Free text.", example: "description: the API server" },
};

export const NODES: KeyDocs = under("nodes.*", {
  description: COMMON.description,
  networks: {
    type: "list of network names, or map: network → { ip, ip6, iface, mac, aliases }",
    doc: "The networks the node joins, an interface each (eth0, eth1, … in order); its default route goes through the first one with a gateway, unless it sets its own.",
    example: "networks: { net: { ip: 10.1.0.20 } }",
    bad: [[["nett"]], [["net", "net"]], [{ net: "10.1.0.20" }]],
  },
  "networks.*.ip": {
    type: "IPv4 address (the prefix is the subnet's)",
    default: "the next free address of subnet",
    doc: "A static address on that network; automatic addresses skip it.",
    example: "ip: 10.1.0.20",
    bad: [["10.2.0.5"], ["10.1.0.5/16"], ["10.1.0.255"], ["10.1.0.1"]],
  },
  "networks.*.ip6": {
    type: "IPv6 address",
    default: "the next free address of subnet6",
    doc: "A static IPv6 address on that network.",
    example: "ip6: fd00:1::20",
    lab: { networks: { net: { subnet6: "fd00:1::/64" } } },
    bad: [["fd00:2::20"], ["10.1.0.20"]],
  },
  "networks.*.iface": {
    type: "interface name (at most 15 characters)",
    default: "eth0, eth1, … in order",
    doc: "The interface's name inside the node.",
    example: "iface: lan0",
    bad: [["lo"], ["a-very-long-interface"]],
  },
  "networks.*.mac": {
    type: "unicast MAC address",
    default: "chosen by the kernel",
    doc: "The interface's MAC address.",
    example: "mac: 02:42:ac:14:00:02",
    bad: [["01:00:5e:00:00:01"]],
  },
  "networks.*.aliases": {
    type: "list of DNS names",
    doc: "More names for the node on this network; several nodes under one alias are all answered, in turn (round robin).",
    example: "aliases: [db-primary]",
    bad: [[["b"]], [["a"]], [["db_primary"]]],
  },
  routes: COMMON.routes,
  rules: COMMON.rules,
  forward: {
    type: "true | false",
    default: "false",
    doc: "The node routes: net.ipv4.ip_forward=1, and IPv6 forwarding when it has IPv6.",
    example: "forward: true",
  },
  sysctls: COMMON.sysctls,
  firewall: COMMON.firewall,
  publish: {
    type: "list of Docker -p forms: HOST:PORT, ADDRESS:HOST:PORT, PORT, each with /tcp or /udp",
    doc: "Ports of the host forwarded to the node's address on its first network whose bridge the host holds: from outside, from the host (also via 127.0.0.1) and from other nodes (hairpin), like docker run -p.",
    example: 'publish: ["8080:80", "127.0.0.1:5353:53/udp"]',
    bad: [[["8080-80"]], [["70000:80"]], [["8080:80", "8080:81"]], [["8080:80"], { networks: undefined }]],
    upErrors: ['host port 8080/tcp is already published by lab other (web: "8080:80")'],
  },
  hosts: {
    type: "map: name → address, or list of \"name:address\"",
    doc: "Extra /etc/hosts entries, also answered by the lab's DNS server (docker run --add-host).",
    example: "hosts: { db: 10.0.0.5 }",
    bad: [[{ db: "somewhere" }], [["db=10.0.0.5"]]],
  },
  dns: {
    type: "map: nameservers, search",
    default: "the lab's DNS server (127.0.0.11) on a network with names; else the host's nameservers on a nat network; else none",
    doc: "The node's own resolv.conf instead of the lab's DNS server.",
    example: "dns: { nameservers: [10.1.0.1], search: [lab.example] }",
  },
  "dns.nameservers": {
    type: "list of IP addresses",
    doc: "Nameservers written to the node's resolv.conf; each on one of its networks or reached through one of its routes.",
    example: "nameservers: [10.1.0.1]",
    bad: [[["dns.google"]], [["10.7.0.53"]]],
    lab: { networks: { net: { gateway: "none" } } },
  },
  "dns.search": {
    type: "list of domain names",
    doc: "The search list of the node's resolv.conf.",
    example: "search: [lab.example]",
    bad: [[["lab example"]]],
  },
  labels: COMMON.labels,
  run: COMMON.run,
  exec: COMMON.exec,
  host: {
    type: "virtual host name",
    doc: "The virtual host the node lives on: its cable ends there, its default route is that host's bridge, publish maps that host's ports.",
    example: "host: vm1",
    lab: { hosts: { vm1: {} }, networks: { net: { host: "vm1" } }, nodes: { b: { host: "vm1" } } },
    bad: [["vm9"]],
  },
  files: COMMON.files,
});
