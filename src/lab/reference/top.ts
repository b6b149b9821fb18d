// The reference: the top level of a lab file.
import type { KeyDocs } from "./types.js";

const WEB_API = { networks: { br0: { subnet: "172.20.0.0/24" } }, nodes: { web: { networks: ["br0"] }, api: { networks: ["br0"] } } };

export const TOP: KeyDocs = {
  name: {
    type: "string: [a-z][a-z0-9-]*, at most 63 characters",
    doc: "The lab's name (required; shipped labs are named after their files). Up to 19 characters it prefixes namespaces (<lab>-<node>) and kernel names as it is; a longer one, its first letters and a hash.",
    example: "name: bridge-lab",
    bad: [["Bridge_Lab"], ["a-workshop-lab-whose-name-goes-on-and-on-for-more-than-sixty-three"]],
  },
  description: {
    type: "string",
    doc: "One line shown by netlab labs and netlab status.",
    example: "description: docker0 by hand",
    bad: [[["a", "list"]]],
  },
  isolated: {
    type: "true | false",
    default: "false",
    doc: "true: the lab's host is a namespace of its own (<lab>-host), so nothing changes in the namespace netlab runs in. Same as netlab up --isolated.",
    example: "isolated: true",
    bad: [["yes"]],
  },
  host: {
    type: "map (see host)",
    doc: "Settings of the lab's host namespace: forward, sysctls, firewall, routes, exec, run, files.",
    example: "host: { forward: true }",
    bad: [[["forward"]]],
  },
  underlay: {
    type: "map (see underlay)",
    default: "subnet 192.168.56.0/24, MTU 1500, when the lab has virtual hosts",
    doc: "The LAN joining the virtual hosts: a bridge in the lab's host namespace with address .1.",
    example: "underlay: { subnet: 192.168.60.0/24 }",
  },
  hosts: {
    type: "map: name → virtual host (see hosts)",
    doc: "Virtual machines: each a namespace <lab>-<host> with eth0 on the underlay and forwarding on.",
    example: "hosts: { vm1: {}, vm2: { underlay: 192.168.56.20 } }",
    bad: [[{ VM1: {} }]],
  },
  networks: {
    type: "map: name → network (see networks)",
    doc: "L2 segments: Linux bridges (the default), VXLAN overlays, macvlan, ipvlan and VLAN sub-interfaces.",
    example: "networks: { br0: { subnet: 172.20.0.0/24, nat: true } }",
    bad: [[{ "br 0": {} }], [{ underlay: { subnet: "10.5.0.0/24" } }]],
  },
  nodes: {
    type: "map: name → node (see nodes)",
    doc: "The lab's machines: one network namespace each, <lab>-<node>.",
    example: "nodes: { web: { networks: [br0] }, api: { networks: [br0] } }",
    lab: { networks: WEB_API.networks },
    bad: [[{ host: {} }], [{ web: { networks: ["br1"] } }]],
  },
  links: {
    type: "list of links (see links)",
    doc: "Point-to-point veth cables between two nodes, or a node and host.",
    example: 'links: [{ endpoints: ["web:eth1", "api:eth1"], subnet: 10.0.1.0/30 }]',
    lab: WEB_API,
    bad: [[{ endpoints: ["web:eth1", "api:eth1"] }]],
  },
  records: {
    type: "list of records (see records)",
    doc: "DNS records the lab's DNS servers answer beside the nodes' names: A, AAAA, CNAME, SRV, TXT.",
    example: "records: [{ name: db.example, type: CNAME, data: db }]",
    lab: WEB_API,
    bad: [[[{ name: "db.example", type: "MX", data: "db" }]]],
  },
  kubernetes: {
    type: "map (see kubernetes)",
    doc: "A Kubernetes cluster's networking, without Kubernetes: its nodes are virtual hosts, each with a cni0 bridge for its pods; the pods of the manifests are nodes on them.",
    example: "kubernetes: { nodes: [node1, node2], podCIDR: 10.244.0.0/16 }",
    bad: [[{ manifests: [] }]],
  },
  checks: {
    type: "list of checks (see checks)",
    doc: "What netlab test verifies, from inside the namespaces, concurrently.",
    example: 'checks: [{ from: web, ping: api }, { from: api, tcp: "web:22", expect: fail }]',
    lab: WEB_API,
    bad: [[[{ from: "web" }]]],
  },
};
