// The reference: kubernetes — a cluster's networking from Kubernetes manifests (kube/).
import { under, type KeyDocs } from "./types.js";

const POD = { apiVersion: "v1", kind: "Pod", metadata: { name: "web" }, spec: { containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }] } };

export const KUBERNETES: KeyDocs = under("kubernetes", {
  nodes: {
    type: "list of virtual host names",
    doc: "The cluster's nodes: virtual hosts (made when hosts: does not declare them), node i (from 1) with the i-th /24 of podCIDR on its bridge cni0, which holds the .1; net.bridge.bridge-nf-call-iptables on (br_netfilter), as kubeadm wants it.",
    example: "nodes: [node1, node2]",
    bad: [[[]], [["Node1"]]],
  },
  podCIDR: {
    type: "IPv4 prefix, at most /23",
    default: "10.244.0.0/16",
    doc: "The pods' addresses: node i gets its i-th /24 (10.244.1.0/24 for the first), a pod the next free address of its node's.",
    example: "podCIDR: 10.244.0.0/16",
    bad: [["10.244.0.0/25"], ["ten"]],
  },
  serviceCIDR: {
    type: "IPv4 prefix",
    default: "10.96.0.0/16",
    doc: "The Services' ClusterIPs; the cluster DNS is its .10. It must not overlap the pods' or the underlay.",
    example: "serviceCIDR: 10.96.0.0/16",
    bad: [["10.244.0.0/16"]],
  },
  loadBalancerCIDR: {
    type: "IPv4 prefix",
    default: "none: LoadBalancer Services stay <pending>",
    doc: "Addresses for LoadBalancer Services (spec.loadBalancerIP, else the next free), as MetalLB gives them: kube-proxy's rules in every node take them like a node port, and the lab's host and its other virtual hosts route the range to the first cluster node, so they are reachable from there. It may lie inside the underlay (as a MetalLB pool in the LAN), not in the pods' or Services' range.",
    example: "loadBalancerCIDR: 192.168.56.240/28",
    bad: [["10.96.0.0/24"]],
  },
  routing: {
    type: "host-gw | vxlan",
    default: "host-gw",
    doc: "How pods on different nodes reach each other, without NAT: host-gw (flannel's: a route to every other node's pod /24 via its underlay address); vxlan (flannel's VXLAN backend: a device flannel.1 per node, VNI 1, UDP 8472, with a route, a neighbour and a forwarding entry per other node; pods' MTU 50 under the underlay's).",
    example: "routing: vxlan",
    bad: [["bgp"]],
  },
  proxyMode: {
    type: "iptables | nftables | ipvs",
    default: "iptables",
    doc: "How Services are built, as kube-proxy's modes: iptables (KUBE-SERVICES, KUBE-SVC-*, KUBE-SEP-* in every node); nftables and ipvs are not built yet.",
    example: "proxyMode: iptables",
    bad: [["userspace"], ["nftables"]],
  },
  manifests: {
    type: "list: file, glob or inline Kubernetes object",
    doc: "What kubectl apply -f would take: files of one or more YAML documents (relative to the lab file), globs (k8s/*.yaml), or objects written inline. Namespace, Pod, Deployment, Service and NetworkPolicy are built; other kinds and fields netlab does not build are warned about, with their line.",
    example: "manifests: [{ apiVersion: v1, kind: Pod, metadata: { name: web }, spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] } }]",
    bad: [[["no-such-file.yaml"]], [[{ kind: "Pod" }]], [[{ ...POD, spec: { ...POD.spec, nodeName: "node9" } }]]],
  },
});
