// The reference: checks[] — what `netlab test` verifies, from inside the namespaces.
import { under, type KeyDocs } from "./types.js";

/** A check with no probe yet, to try another probe than the section's ping. */
const NO_PING = { ping: undefined };

export const CHECKS: KeyDocs = under("checks[]", {
  name: {
    type: "string",
    default: "the probe and its target",
    doc: "A label for reports (the table, --json, --junit).",
    example: "name: web answers",
  },
  from: {
    type: "node name, virtual host name, or host",
    doc: "Where the probe runs (required): inside that namespace, with the real tools.",
    example: "from: host",
    bad: [["c"], [undefined]],
  },
  ping: {
    type: "node name, address, or hostname",
    doc: "Probe: ICMP echo (count of them) answered. A node name means its address on a network both share, else its first.",
    example: "ping: b",
    bad: [["b", { tcp: "b:22" }]],
  },
  tcp: {
    type: "TARGET:PORT",
    doc: "Probe: a TCP connection opens (nc).",
    example: 'tcp: "b:80"',
    context: NO_PING,
    bad: [["b"]],
  },
  udp: {
    type: "TARGET:PORT",
    doc: "Probe: a datagram is answered (pairs with netlab serve udp).",
    example: 'udp: "b:53"',
    context: NO_PING,
    bad: [["b"]],
  },
  http: {
    type: "http:// or https:// URL",
    doc: "Probe: an HTTP response arrives (curl); status and contains narrow it.",
    example: 'http: "http://b/"',
    context: NO_PING,
    bad: [["b/index.html"]],
  },
  dns: {
    type: "name",
    doc: "Probe: the name resolves, asked of the node's DNS server as dig does (A, then AAAA; see via); equals narrows it.",
    example: "dns: b",
    context: NO_PING,
  },
  expect: {
    type: "pass | fail",
    default: "pass",
    doc: "fail: the check passes when the probe fails (isolation, firewalls).",
    example: "expect: fail",
    bad: [["blocked"]],
  },
  timeout: {
    type: "duration: 2s, 500ms, 1m (a bare number: seconds), at most 10m",
    default: "2s",
    doc: "How long one attempt may take.",
    example: "timeout: 500ms",
    bad: [["soon"], ["20m"]],
  },
  retries: {
    type: "integer, 0 to 100",
    default: "0",
    doc: "Attempts after the first while the verdict is wrong, 200 ms apart.",
    example: "retries: 3",
    bad: [[-1]],
  },
  count: {
    type: "integer, 1 to 100",
    default: "1",
    doc: "ping checks: echo requests sent; all must be answered.",
    example: "count: 3",
    bad: [[0]],
  },
  status: {
    type: "integer, 100 to 599",
    default: "any 2xx or 3xx",
    doc: "http checks: the status that must come back.",
    example: "status: 404",
    context: { ping: undefined, http: "http://b/" },
    bad: [[200, { http: undefined, ping: "b" }], [999]],
  },
  contains: {
    type: "string",
    doc: "http checks: text the body must contain.",
    example: "contains: hello from b",
    context: { ping: undefined, http: "http://b/" },
  },
  equals: {
    type: "IP address",
    doc: "dns checks: an address the name must resolve to.",
    example: "equals: 10.1.0.3",
    context: { ping: undefined, dns: "b" },
    bad: [["10.1.0.3", { dns: undefined, ping: "b" }]],
  },
  via: {
    type: "dns | system",
    default: "dns",
    doc: "dns checks: dns asks the node's DNS server as dig does; system resolves as programs do (getent: /etc/hosts, then DNS).",
    example: "via: system",
    context: { ping: undefined, dns: "b" },
    bad: [["system", { dns: undefined, ping: "b" }], ["getent"]],
  },
  repeat: {
    type: "integer, 1 to 10000",
    doc: "http and tcp checks: send N requests, each a new connection; without answeredBy, all must be answered.",
    example: "repeat: 30",
    context: { ping: undefined, http: "http://b/" },
    bad: [[30, { http: undefined, ping: "b" }]],
  },
  answeredBy: {
    type: "list of node names, or map: node → share (90%)",
    doc: "With repeat: the nodes that must each answer at least once and no others, or each one's share of the answers (the answer of netlab serve names its node).",
    example: "answeredBy: { a: 90%, b: 10% }",
    context: { ping: undefined, http: "http://b/", repeat: 20 },
    bad: [[["c"]], [{ b: "most" }]],
  },
  tolerance: {
    type: "percentage points: 8%",
    default: "5%",
    doc: "With answeredBy shares: how far each node's share may be from the one given.",
    example: "tolerance: 8%",
    context: { ping: undefined, http: "http://b/", repeat: 20, answeredBy: { b: "100%" } },
    bad: [["eight"]],
  },
});
