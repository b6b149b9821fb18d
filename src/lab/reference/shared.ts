// The reference: shapes used in several places — a route as a map (nodes, hosts, host) and a
// firewall (nodes, hosts, host). Netem (networks, links) is in networks.ts.
import { under, type KeyDocs } from "./types.js";

export const ROUTE: KeyDocs = under("route", {
  to: {
    type: "prefix, address, or default",
    doc: "The destination (required in the map form).",
    example: "to: 10.2.0.0/24",
    bad: [["somewhere"]],
  },
  via: {
    type: "IP address",
    doc: "The gateway: on a network or link of the namespace (or say `dev IFACE onlink` in the string form).",
    example: "via: 10.1.0.3",
    bad: [["10.5.0.1"], ["the-router"]],
  },
  dev: {
    type: "interface name",
    doc: "The interface the route leaves by; alone (no via), the destination is on that link.",
    example: "dev: eth0",
    bad: [["eth9"]],
  },
  table: {
    type: "integer or table name",
    default: "main",
    doc: "The routing table, for policy routing with rules.",
    example: "table: 100",
    bad: [[1.5]],
  },
  metric: {
    type: "integer ≥ 0",
    default: "0",
    doc: "The route's metric: the lower wins among routes to one destination.",
    example: "metric: 100",
    bad: [[-1]],
  },
  replace: {
    type: "true | false",
    default: "false",
    doc: "host.routes only: the route overrides one the host already has; netlab saves the host's own and down puts it back.",
    example: "replace: true",
    triedAt: "host.routes[]",
  },
});

export const FIREWALL: KeyDocs = under("firewall", {
  input: {
    type: "accept | drop",
    default: "accept",
    doc: "Policy for traffic to the namespace itself. Once a policy is drop, loopback and established/related traffic stay allowed.",
    example: "input: drop",
    bad: [["reject"]],
  },
  forward: {
    type: "accept | drop",
    default: "accept",
    doc: "Policy for traffic routed through the namespace.",
    example: "forward: drop",
    bad: [["block"]],
  },
  output: {
    type: "accept | drop",
    default: "accept",
    doc: "Policy for traffic the namespace sends.",
    example: "output: drop",
    bad: [[false]],
  },
  allow: {
    type: "list: [input|forward] tcp/PORT, udp/PORT, tcp/FIRST:LAST, icmp, each optionally followed by from ADDRESS-OR-PREFIX",
    doc: "ACCEPT exceptions to a drop policy: each opens every chain (INPUT, FORWARD) whose policy is drop, or the one it names; in iptables and ip6tables (icmp is ICMPv6 there).",
    example: 'allow: ["tcp/80", "udp/53", "tcp/22 from 10.1.0.0/24", "icmp", "forward tcp/443"]',
    context: { input: "drop", forward: "drop" },
    bad: [[["tcp/http"]], [["tcp/22 from the-admins"]], [["tcp/80"], { input: "accept", forward: "accept" }], [["output tcp/80"]]],
  },
  rules: {
    type: "list of iptables rule specs",
    doc: "Raw rules (-A INPUT …, -t nat -A POSTROUTING …) applied after the allow entries, IPv4 only. On host: the filter table's INPUT, OUTPUT or FORWARD only.",
    example: 'rules: ["-A INPUT -p tcp --dport 8080 -j ACCEPT"]',
    bad: [[["iptables -A INPUT -j DROP"]]],
  },
});

export const SHARED_SHAPES: KeyDocs = { ...ROUTE, ...FIREWALL };
