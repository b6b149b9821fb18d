// The rules netlab puts into one namespace's iptables for one family, kube-proxy style: the
// whole desired ruleset is computed, then loaded with one iptables-restore --noflush per table.
// Features (features/*.ts: isolation, NAT, forwarding, published ports, firewalls) add to it.
//
// In a namespace netlab does not own (the host), everything lives in the lab's own chains
// NL-<lab>-<SUFFIX>, entered by one jump each (JUMPS), and every rule carries a
// `netlab:<lab>[:what]` comment, so that `down` removes exactly what was added. In a node's own
// namespace a firewall sets the built-in chains' policies and rules directly.
import { chainName, JUMPS, tag, type Table } from "../net/netfilter.js";
import type { Ns, Op } from "./ops.js";

/** One rule: `match` and `target` (`-j TARGET …`), or a user's raw rule text after its chain. */
export interface Rule {
  chain: string;
  match?: string;
  target?: string;
  raw?: string;
  what?: string;
}

export class Ruleset {
  /** Rules in the lab's own chains, by table, in the order features added them. */
  private readonly own: Record<Table, Rule[]> = { filter: [], nat: [], raw: [] };
  /** A node's firewall: built-in chains' policies, their rules, and raw rules of other tables. */
  firewall?: { policies: Record<"INPUT" | "FORWARD" | "OUTPUT", "ACCEPT" | "DROP">; rules: Rule[]; raw: Map<string, string[]> };

  constructor(readonly lab: string, readonly ns: Ns, readonly family: 4 | 6) {}

  chain(suffix: string): string {
    return chainName(this.lab, suffix);
  }

  /** Adds a rule to the lab's chain NL-<lab>-<suffix> of `table`; a rule already there (same match and target) is not added twice. */
  add(table: Table, suffix: string, match: string, target: string, what: string): void {
    const chain = this.chain(suffix);
    if (this.own[table].some((r) => r.chain === chain && r.match === match && r.target === target)) return;
    this.own[table].push({ chain, match, target, what });
  }

  addRaw(suffix: string, raw: string, what: string): void {
    this.own.filter.push({ chain: this.chain(suffix), raw, what });
  }

  has(table: Table): boolean {
    return this.own[table].length > 0;
  }

  private line(r: Rule, tagged: boolean): string {
    const t = tagged && r.what ? ` ${tag(this.lab, r.what)}` : "";
    if (r.raw !== undefined) return tagged ? `-A ${r.chain}${t} ${r.raw}` : r.raw;
    return `-A ${r.chain}${r.match ? ` ${r.match}` : ""}${t} -j ${r.target}`;
  }

  /** The iptables-restore ops: one per table of the lab's chains, then a node firewall's. */
  ops(): Op[] {
    const ops: Op[] = [];
    const text = (lines: string[]) => ops.push({ op: "iptables", ns: this.ns, family: this.family, text: lines.join("\n") });
    for (const table of ["raw", "filter", "nat"] as const) {
      const rules = this.own[table];
      if (!rules.length) continue;
      const chains = [...new Set(rules.map((r) => r.chain))];
      const lines = [`*${table}`];
      if (table !== "nat") {
        lines.push(...chains.map((c) => `:${c} - [0:0]`));
        for (const j of JUMPS.filter((x) => x.table === table && chains.includes(this.chain(x.to))))
          lines.push(`${j.insert ? `-I ${j.from} 1` : `-A ${j.from}`}${j.match ? ` ${j.match}` : ""} ${tag(this.lab)} -j ${this.chain(j.to)}`);
      } else {
        // Each of the lab's nat chains declared with its jumps, as kube-proxy lays them out.
        for (const c of [...new Set(JUMPS.filter((x) => x.table === table).map((x) => x.to))].map((s) => this.chain(s)).filter((c) => chains.includes(c))) {
          lines.push(`:${c} - [0:0]`);
          for (const j of JUMPS.filter((x) => x.table === table && this.chain(x.to) === c))
            lines.push(`${j.insert ? `-I ${j.from} 1` : `-A ${j.from}`}${j.match ? ` ${j.match}` : ""} ${tag(this.lab)} -j ${c}`);
        }
      }
      // nat: the masquerade chain's rules before the DNAT chain's, whatever order they came in.
      const ordered = table === "nat" ? [...rules.filter((r) => r.chain === this.chain("POST")), ...rules.filter((r) => r.chain !== this.chain("POST"))] : rules;
      lines.push(...ordered.map((r) => this.line(r, true)), "COMMIT");
      text(lines);
    }
    const f = this.firewall;
    if (f) {
      const lines = ["*filter", ...(["INPUT", "FORWARD", "OUTPUT"] as const).map((c) => `:${c} ${f.policies[c]} [0:0]`), ...f.rules.map((r) => this.line(r, false)), ...(f.raw.get("filter") ?? []), "COMMIT"];
      for (const [table, raw] of f.raw) if (table !== "filter") lines.push(`*${table}`, ...raw, "COMMIT");
      text(lines);
    }
    return ops;
  }
}
