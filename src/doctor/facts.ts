// What netlab can use, and what each thing costs when it is missing. Which package provides a
// tool is runtime/tools.ts's to say, which module provides a kernel feature runtime/kernel.ts's
// (which tries each one in a throwaway namespace, never guessing from module lists).

export interface ToolFact {
  tool: string;
  /** The lab keys or commands that need it. */
  costs: string;
}

export const TOOLS: ToolFact[] = [
  { tool: "ip", costs: "everything: namespaces, links, addresses, routes" },
  { tool: "tc", costs: "netem: (link impairments)" },
  { tool: "bridge", costs: "kind: vxlan (the VXLAN devices' forwarding entries)" },
  { tool: "nsenter", costs: "everything: configuring inside namespaces" },
  { tool: "unshare", costs: "kernel probes before up" },
  { tool: "flock", costs: "everything: the lab and host locks" },
  { tool: "perl", costs: "status, and up of a lab that is up: reading every namespace at once to find what was removed by hand; netlab test --matrix (its probes)" },
  { tool: "iptables-restore", costs: "nat:, publish:, firewall:, isolation between networks, names at 127.0.0.11" },
  { tool: "ip6tables-restore", costs: "the same for IPv6 (subnet6:)" },
  { tool: "nft", costs: "reading the rules under the nf_tables backend (nft list ruleset); netlab itself needs only iptables" },
  { tool: "ipset", costs: "address sets for rules (NetworkPolicies)" },
  { tool: "ping", costs: "checks: ping" },
  { tool: "curl", costs: "checks: http" },
  { tool: "nc", costs: "checks: tcp and udp" },
  { tool: "fping", costs: "netlab test --pingall" },
  { tool: "getent", costs: "checks: dns" },
  { tool: "dig", costs: "dig and nslookup inside nodes (the dns-debug lab's exercises)" },
  { tool: "tcpdump", costs: "netlab capture" },
  { tool: "dot", costs: "netlab graph --format svg" },
  { tool: "bird", costs: "labs that run BIRD (bgp-routes)" },
  { tool: "vtysh", costs: "labs that run FRR (none shipped; BIRD serves the shipped BGP lab)" },
];

export interface KernelFact {
  feature: string;
  costs: string;
}

export const KERNEL: KernelFact[] = [
  { feature: "veth", costs: "everything: every node's cables" },
  { feature: "bridge", costs: "networks: (kind bridge, the default)" },
  { feature: "br_netfilter", costs: "iptables on frames between members of one bridge (physdev, NetworkPolicies); netlab's own rules work either way" },
  { feature: "vxlan", costs: "kind: vxlan (overlays across virtual hosts)" },
  { feature: "macvlan", costs: "kind: macvlan" },
  { feature: "ipvlan", costs: "kind: ipvlan" },
  { feature: "vlan", costs: "kind: vlan (802.1Q sub-interfaces)" },
  { feature: "netem", costs: "netem: delay, jitter, loss (rate alone still works, through tbf)" },
  { feature: "tbf", costs: "netem: rate" },
  { feature: "ipset", costs: "address sets for rules (NetworkPolicies)" },
  { feature: "nf_tables", costs: "iptables under its nf_tables backend (Debian's and Ubuntu's default)" },
  { feature: "sctp", costs: "NetworkPolicy ports of protocol SCTP (iptables' sctp match)" },
];

/** Where a missing module usually comes from. */
export const KERNEL_HINT = "load it (modprobe MODULE), or use a kernel that has it: Debian's standard linux-image-amd64 has all of these; on Ubuntu, the modules of cloud kernels are in linux-modules-extra-$(uname -r)";
