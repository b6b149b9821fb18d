// A check as the resolver leaves it (lab.checks): what `netlab test` probes, from where, and what passes.
import type { KeyPath } from "../errors.js";
export type ProbeKind = "ping" | "tcp" | "udp" | "http" | "dns" | "matrix";

/** The program a check runs inside its node (for preflight and doctor). */
export function probeTool(c: Pick<Check, "kind" | "resolver">): string {
  if (c.kind === "dns") return c.resolver === "system" ? "getent" : "dig";
  return { ping: "ping", tcp: "nc", udp: "nc", http: "curl", matrix: "perl" }[c.kind];
}

export interface Check {
  index: number;
  name?: string;
  from: string;
  kind: ProbeKind;
  target: string;
  expect: "pass" | "fail";
  timeoutMs: number;
  retries: number;
  count: number;
  status?: number;
  contains?: string;
  /** dns checks: an answer the name must have; a list: exactly these answers, in any order. */
  equals?: string | string[];
  /** dns checks: the record type asked for (A, then AAAA, when not given). */
  recordType?: "A" | "AAAA" | "SRV" | "CNAME" | "PTR" | "TXT";
  /** dns checks: ask the DNS server of the node's resolv.conf as dig does ("dns"), or resolve as programs do through getaddrinfo, /etc/hosts first ("system"). */
  resolver?: "dns" | "system";
  /** http checks: connect to this TARGET[:PORT] (a node, or an address) while the URL's host goes as Host and SNI (curl --connect-to). */
  via?: string;
  /** http checks: request headers. */
  headers?: Record<string, string>;
  repeat?: number;
  /** Nodes that must each answer at least once (and no others), or each node's share in percent. */
  answeredBy?: { nodes: string[] } | { shares: Record<string, number> };
  /** Percentage points a share may be off. */
  tolerance?: number;
  /** With repeat: every answer from one and the same node. */
  sticky?: boolean;
  /** matrix checks: the pods (rows and columns, in order) and the expected cells ([from][to]: ".", "X", "-"). */
  matrix?: { pods: string[]; expect: string[][]; port: number; proto: string };
  path: KeyPath;
}
