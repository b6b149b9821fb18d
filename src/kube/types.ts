// The kubernetes: section's objects, as read from the manifests (KPod, KService) and as the
// planner, `netlab get` and the model keep them (KubeCluster, lab.kube). Types only.
import type { KeyPath } from "../errors.js";
import type { Manifest } from "./manifests.js";

export interface KPort {
  port: number;
  protocol: "TCP" | "UDP" | "SCTP";
  name?: string;
}

export interface KContainer {
  name: string;
  ports: KPort[];
  /** command + args, when the container says what to run. */
  command?: string[];
}

/** A pod to make: from a Pod, or one replica of a Deployment. */
export interface KPod {
  ns: string;
  name: string;
  labels: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  /** spec.hostname and spec.subdomain: with a headless Service of that name, its DNS name (a StatefulSet's pods have them). */
  hostname?: string;
  subdomain?: string;
  /** dnsPolicy/dnsConfig and hostAliases (kube/pod-network.ts). */
  dns?: import("./pod-network.js").PodNames["dns"];
  hosts?: Record<string, string>;
  containers: KContainer[];
  /** Its manifest, and the key of its pod spec there (for problems). */
  m: Manifest;
  spec: KeyPath;
  /** The Deployment it is a replica of, and which one (round-robin placement counts per Deployment). */
  owner?: string;
  replica?: number;
}

export interface KServicePort {
  /** The port's name ("" when the Service has one unnamed port). */
  name: string;
  port: number;
  targetPort: number | string;
  protocol: "TCP" | "UDP" | "SCTP";
  nodePort?: number;
}

export interface KService {
  ns: string;
  name: string;
  type: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
  /** The ClusterIP as given ("None": headless), or undefined: allocated. */
  clusterIP?: string;
  externalName?: string;
  /** spec.loadBalancerIP, when given. */
  loadBalancerIP?: string;
  /** spec.externalIPs: addresses kube-proxy takes for it on every node (routing them there is the user's). */
  externalIPs?: string[];
  selector?: Record<string, string>;
  ports: KServicePort[];
  affinity?: number;
  externalLocal: boolean;
  internalLocal: boolean;
  m: Manifest;
}

/** One endpoint of a Service port: a ready pod's address and the port it listens on. */
export interface KEndpoint {
  pod: string;
  node: string;
  ip: string;
  port: number;
}

/** A Service as kube-proxy and the cluster DNS see it: its ClusterIP and each port's endpoints. */
export interface ServiceModel {
  ns: string;
  name: string;
  type: KService["type"];
  /** The ClusterIP, "None" for a headless Service, "" for ExternalName. */
  clusterIP: string;
  externalName?: string;
  /** A LoadBalancer's address (from loadBalancerCIDR); none: <pending>. */
  loadBalancer?: string;
  externalIPs?: string[];
  selector?: Record<string, string>;
  ports: (KServicePort & { endpoints: KEndpoint[] })[];
  affinity?: number;
  externalLocal: boolean;
  internalLocal: boolean;
  /** When it was made, if after the lab came up (apply -f, scale): kubectl's AGE. */
  since?: string;
}

/** A cluster node: its pod subnet, its bridge's address (the pods' gateway), its underlay address. */
export interface KubeNode {
  name: string;
  podSubnet: string;
  underlay: string;
}

/** What the resolver keeps of a cluster for the planner (lab.kube). */
export interface KubeCluster {
  podCIDR: string;
  serviceCIDR: string;
  loadBalancerCIDR?: string;
  routing: "host-gw" | "vxlan";
  /** The pods' MTU: 1500, or the underlay's less VXLAN's 50 bytes with routing: vxlan (flannel's FLANNEL_MTU). */
  mtu: number;
  nodes: KubeNode[];
  /** Every pod: its lab node name (`NS/POD`, `POD` in default), its node. */
  pods: { node: string; on: string; ns: string; name: string; labels: Record<string, string>; listens: number; ip?: string; since?: string; owner?: string; hostname?: string; subdomain?: string; ports?: KPort[] }[];
  /** Services with their ClusterIP and endpoints (their addresses filled once the lab is resolved: withEndpoints). */
  services: ServiceModel[];
  /** The cluster DNS: its ClusterIP (serviceCIDR's .10) and the pod its server runs in (kube/dns.ts). */
  dns: { ip: string; pod: string };
  /** Every object of the manifests (the overlay laid over them), by key: its content's hash (kubectl's configured / unchanged). */
  objects: Record<string, string>;
  /** When each object created while the cluster is up was (ISO), by key, for kubectl's AGE; the others: when it came up. */
  created?: Record<string, string>;
  /** NetworkPolicies, as read (kube/policy/), enforced in every node (plan/features/netpol.ts). */
  policies?: Omit<import("./policy/types.js").KPolicy, "m">[];
  /** Namespaces' labels (for namespaceSelector). */
  namespaces?: Record<string, Record<string, string>>;
  /** The lab file's checks left out while the cluster differs from it (`checks[i] names web-2`). */
  leftOut?: string[];
  /** The manifest files read (absolute paths): kept with the lab that is up (state/lab-text.ts). */
  files?: string[];
  /** Each Deployment's spec.selector.matchLabels (JSON, keys sorted): immutable, as the API server keeps it. */
  selectors?: Record<string, string>;
  /** What apply -f, delete and scale changed while the cluster is up (kube/overlay.ts). */
  overlay?: import("./overlay.js").KubeOverlay;
}
