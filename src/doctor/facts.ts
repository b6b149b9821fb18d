// What netlab can use, and what each thing costs when it is missing. The tool list follows
// runtime/tools.ts's packages; kernel features are probed by runtime/kernel.ts (by making one,
// in a throwaway namespace), never by guessing from module lists.

export interface ToolFact {
  tool: string;
  package: string;
  /** The lab keys or commands that need it. */
  costs: string;
}

export const TOOLS: ToolFact[] = [
  { tool: "ip", package: "iproute2", costs: "everything: namespaces, links, addresses, routes" },
  { tool: "tc", package: "iproute2", costs: "netem: (link impairments)" },
  { tool: "bridge", package: "iproute2", costs: "kind: vxlan (the VXLAN devices' forwarding entries)" },
  { tool: "nsenter", package: "util-linux", costs: "everything: configuring inside namespaces" },
  { tool: "unshare", package: "util-linux", costs: "kernel probes before up" },
  { tool: "flock", package: "util-linux", costs: "everything: the lab and host locks" },
  { tool: "iptables-restore", package: "iptables", costs: "nat:, publish:, firewall:, isolation between networks, names at 127.0.0.11" },
  { tool: "ip6tables-restore", package: "iptables", costs: "the same for IPv6 (subnet6:)" },
  { tool: "nft", package: "nftables", costs: "reading the rules under the nf_tables backend (nft list ruleset); netlab itself needs only iptables" },
  { tool: "ipset", package: "ipset", costs: "address sets for rules (NetworkPolicies)" },
  { tool: "ping", package: "iputils-ping", costs: "checks: ping" },
  { tool: "curl", package: "curl", costs: "checks: http" },
  { tool: "nc", package: "netcat-openbsd", costs: "checks: tcp and udp" },
  { tool: "fping", package: "fping", costs: "netlab test --pingall" },
  { tool: "getent", package: "libc-bin", costs: "checks: dns" },
  { tool: "dig", package: "bind9-dnsutils", costs: "dig and nslookup inside nodes (the dns-debug lab's exercises)" },
  { tool: "tcpdump", package: "tcpdump", costs: "netlab capture" },
  { tool: "dot", package: "graphviz", costs: "netlab graph --format svg" },
  { tool: "bird", package: "bird2", costs: "labs that run BIRD (bgp-routes)" },
  { tool: "vtysh", package: "frr", costs: "labs that run FRR (none shipped; BIRD serves the shipped BGP lab)" },
];

export interface KernelFact {
  feature: string;
  module: string;
  costs: string;
  how: "kind" | "qdisc" | "other";
}

export const KERNEL: KernelFact[] = [
  { feature: "veth", module: "veth", costs: "everything: every node's cables", how: "kind" },
  { feature: "bridge", module: "bridge", costs: "networks: (kind bridge, the default)", how: "kind" },
  { feature: "br_netfilter", module: "br_netfilter", costs: "iptables on frames between members of one bridge (physdev, NetworkPolicies); netlab's own rules work either way", how: "other" },
  { feature: "vxlan", module: "vxlan", costs: "kind: vxlan (overlays across virtual hosts)", how: "kind" },
  { feature: "macvlan", module: "macvlan", costs: "kind: macvlan", how: "kind" },
  { feature: "ipvlan", module: "ipvlan", costs: "kind: ipvlan", how: "kind" },
  { feature: "vlan", module: "8021q", costs: "kind: vlan (802.1Q sub-interfaces)", how: "kind" },
  { feature: "netem", module: "sch_netem", costs: "netem: delay, jitter, loss (rate alone still works, through tbf)", how: "qdisc" },
  { feature: "tbf", module: "sch_tbf", costs: "netem: rate", how: "qdisc" },
  { feature: "ipset", module: "ip_set", costs: "address sets for rules (NetworkPolicies)", how: "other" },
  { feature: "nf_tables", module: "nf_tables", costs: "iptables under its nf_tables backend (Debian's and Ubuntu's default)", how: "other" },
];

/** Where a missing module usually comes from. */
export const KERNEL_HINT = "load it (modprobe MODULE), or use a kernel that has it: Debian's standard linux-image-amd64 has all of these; on Ubuntu, the modules of cloud kernels are in linux-modules-extra-$(uname -r)";
