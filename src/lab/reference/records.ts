// The reference: records[] — DNS records the lab's DNS servers answer (dns/view.ts).
import { under, type KeyDocs } from "./types.js";

export const RECORDS: KeyDocs = under("records[]", {
  name: {
    type: "DNS name",
    doc: "The record's owner name, absolute (a final dot is optional); case does not matter. Askers find it whatever their search list, as they send it.",
    example: "name: web.default.svc.cluster.local",
    bad: [["web service"]],
  },
  type: {
    type: "A | AAAA | CNAME | SRV | TXT",
    doc: "What the data is. A name with a CNAME has no other record (RFC 1034); a query of any type for it is answered with the CNAME and, when the target is a name the asker sees, the target's records.",
    example: "type: A",
    bad: [["MX"]],
  },
  data: {
    type: "string, or list of strings (several records of one name and type)",
    doc: "A: an IPv4 address; AAAA: an IPv6 address; CNAME: the name it stands for; SRV: PRIORITY WEIGHT PORT TARGET (RFC 2782); TXT: text of at most 255 bytes. Several A records answer in turn (round robin).",
    example: "data: 0 100 80 web.default.svc.cluster.local",
    context: { type: "SRV" },
    bad: [["80 web"], ["0 100 80 web service", { type: "SRV" }]],
  },
  networks: {
    type: "list of network names",
    default: "every network with names",
    doc: "Who sees the record: askers on these networks (each with dns: true). A record is answered by the DNS server of every holder of those networks.",
    example: "networks: [net]",
    bad: [[["nope"]]],
  },
});
