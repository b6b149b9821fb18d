// NetworkPolicy (networking.k8s.io/v1) as netlab reads it: selectors, peers, ports, rules. Types
// only; reading is read.ts, Kubernetes' semantics verdict.ts.
import type { Manifest } from "../manifests.js";

/** A label selector: matchLabels and matchExpressions, ANDed; empty selects everything. */
export interface Selector {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values: string[] }[];
}

/** One `from`/`to` element: pods (of the policy's namespace, or of the namespaces selected), namespaces, or an IP block. */
export interface Peer {
  pods?: Selector;
  namespaces?: Selector;
  ipBlock?: { cidr: string; except: string[] };
}

export interface PolicyPort {
  protocol: "TCP" | "UDP" | "SCTP";
  /** A number, a container port's name, or undefined: every port. */
  port?: number | string;
  /** With a numeric port: the last of the range. */
  endPort?: number;
}

/** An ingress or egress rule: peers (null: any) ANDed with ports (null: any). */
export interface PolicyRule {
  peers: Peer[] | null;
  ports: PolicyPort[] | null;
}

export interface KPolicy {
  ns: string;
  name: string;
  podSelector: Selector;
  types: ("Ingress" | "Egress")[];
  ingress: PolicyRule[];
  egress: PolicyRule[];
  m: Manifest;
}

/** A pod as policies see it: where it is, its labels, its address, its named ports. */
export interface PolicyPod {
  /** Its lab node's name: POD in default, NS/POD elsewhere. */
  node: string;
  ns: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  ports: { name?: string; port: number; protocol: string }[];
}
