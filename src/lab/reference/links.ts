// The reference: links[] — point-to-point veth cables.
import { under, type KeyDocs } from "./types.js";

export const LINKS: KeyDocs = under("links[]", {
  endpoints: {
    type: "two endpoints, each \"node:iface\" or a map { node, iface, ip, ip6, mac }",
    doc: "The two ends of the cable (required): nodes, or a node and host (the lab's host namespace).",
    example: 'endpoints: ["a:eth1", "host:veth-a"]',
    bad: [[["a:eth0"]], [["a-eth0", "b:eth0"]], [["a:eth0", "a:eth1"]], [["c:eth0", "b:eth0"]]],
  },
  "endpoints[].node": {
    type: "node name, virtual host name, or host",
    doc: "The namespace this end is in.",
    example: "node: a",
    bad: [["c"]],
  },
  "endpoints[].iface": {
    type: "interface name (at most 15 characters)",
    doc: "The interface's name in that namespace (required).",
    example: "iface: veth0",
    bad: [["lo"]],
  },
  "endpoints[].ip": {
    type: "IPv4 address; with its prefix length when the link has no subnet",
    default: "from subnet: the first endpoint the first address, the second the next",
    doc: "This end's IPv4 address.",
    example: "ip: 10.9.0.2",
    bad: [["10.8.0.1"], ["10.9.0.1/24"]],
  },
  "endpoints[].ip6": {
    type: "IPv6 address; with its prefix length when the link has no subnet6",
    default: "from subnet6, as ip",
    doc: "This end's IPv6 address.",
    example: "ip6: fd00:9::1/64",
    bad: [["fd00:9::1"]],
  },
  "endpoints[].mac": {
    type: "unicast MAC address",
    default: "chosen by the kernel",
    doc: "This end's MAC address.",
    example: "mac: 02:00:00:00:00:01",
    bad: [["02:00:00:00:00"]],
  },
  subnet: {
    type: "IPv4 prefix, /31 allowed",
    doc: "Addresses for both ends, in order; without subnet or ip the link is pure L2.",
    example: "subnet: 10.9.0.0/31",
    bad: [["10.9.0.1/30"], ["10.9.0.0/32"]],
  },
  subnet6: {
    type: "IPv6 prefix, /127 allowed",
    doc: "IPv6 addresses for both ends, in order.",
    example: "subnet6: fd00:9::/64",
    bad: [["10.9.0.0/30"]],
  },
  mtu: {
    type: "integer, 68 to 65535",
    default: "the kernel's (1500)",
    doc: "MTU of both ends.",
    example: "mtu: 9000",
    bad: [[65536]],
  },
  netem: {
    type: "map: delay, jitter, loss, rate (see netem)",
    doc: "Impairments applied with tc on the egress of both ends.",
    example: "netem: { delay: 20ms, rate: 10mbit }",
    bad: [[{ delay: "slow" }]],
  },
});
