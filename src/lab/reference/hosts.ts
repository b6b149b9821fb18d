// The reference: hosts.<name> (virtual machines), underlay (the LAN joining them), and host
// (the lab's host namespace).
import { COMMON } from "./nodes.js";
import { under, type KeyDocs } from "./types.js";

export const VHOSTS: KeyDocs = under("hosts.*", {
  description: COMMON.description,
  underlay: {
    type: "IPv4 address in the underlay's subnet",
    default: ".11, .12, … in declaration order (static ones first)",
    doc: "The virtual host's address on the underlay (its eth0).",
    example: "underlay: 192.168.56.20",
    bad: [["10.0.0.1"]],
  },
  routes: { ...COMMON.routes, example: 'routes: ["10.244.2.0/24 via 192.168.56.12"]', bad: [[["10.244.2.0/24 via 10.5.0.1"]]] },
  rules: COMMON.rules,
  forward: {
    type: "true | false",
    default: "true",
    doc: "The virtual host routes (forwarding on, as a machine with containers has it).",
    example: "forward: false",
  },
  sysctls: COMMON.sysctls,
  firewall: COMMON.firewall,
  labels: COMMON.labels,
  run: COMMON.run,
  exec: COMMON.exec,
  files: COMMON.files,
});

export const UNDERLAY: KeyDocs = under("underlay", {
  subnet: {
    type: "IPv4 prefix",
    default: "192.168.56.0/24",
    doc: "The underlay's prefix: the bridge has .1, the virtual hosts .11 on.",
    example: "subnet: 192.168.60.0/24",
    bad: [["192.168.60.1/24"]],
  },
  mtu: {
    type: "integer, 1280 to 65535",
    default: "1500",
    doc: "MTU of the underlay; a vxlan network's is 50 less.",
    example: "mtu: 9000",
    bad: [[1000]],
  },
});

export const HOST: KeyDocs = under("host", {
  forward: {
    type: "true | false",
    default: "false (netlab turns it on anyway for nat networks and published ports)",
    doc: "Forwarding in the lab's host namespace; down restores the previous value.",
    example: "forward: true",
  },
  sysctls: {
    ...COMMON.sysctls,
    doc: "Network sysctls of the lab's host namespace, restored by the last lab using them; two labs wanting different values cannot be up together.",
  },
  firewall: {
    ...COMMON.firewall,
    doc: "The host's firewall, in netlab's own chains (NL-<lab>-IN, -OUT, -FWD): the host's policies never change, a drop policy is a final DROP there.",
    bad: [[{ rules: ["-t nat -A POSTROUTING -j MASQUERADE"] }]],
  },
  routes: {
    ...COMMON.routes,
    doc: "Routes in the lab's host namespace; one that would replace a route the host has is refused at up, unless it says replace: true.",
    example: 'routes: ["10.2.0.0/24 via 10.1.0.3"]',
    bad: [[["10.2.0.0/24 dev eth9"]]],
    upErrors: ["the host already has a route to 10.2.0.0/24 (10.2.0.0/24 via 10.1.0.9); up would replace it and down would delete it"],
  },
  exec: { ...COMMON.exec, example: 'exec: ["sysctl -w net.ipv4.tcp_ecn=1"]' },
  run: { ...COMMON.run, doc: "Started in the background in the lab's host namespace once the network is up; down stops it by pid." },
  files: {
    ...COMMON.files,
    doc: "As a node's, for an isolated lab only (the machine's own /etc is never written).",
    lab: { isolated: true },
    bad: [[{ "/etc/bird/bird.conf": "" }, undefined, { isolated: false }]],
  },
});

export const HOSTS: KeyDocs = { ...VHOSTS, ...UNDERLAY, ...HOST };
