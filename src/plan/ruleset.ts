// The rules netlab puts into one namespace's iptables for one family, kube-proxy style: the
// whole desired ruleset is computed — every chain it uses declared in every table it needs,
// the ipsets its rules match — then loaded with one iptables-restore --noflush, and its entry
// points (jumps from the built-in chains) ensured outside the restore, so a second load never
// doubles them. Features (features/*.ts: isolation, NAT, forwarding, published ports,
// firewalls) add to it.
//
// In a namespace netlab does not own (the host), everything lives in the lab's own chains
// NL-<lab>-<SUFFIX> (net/netfilter.ts names and parses them), every rule carries a
// `netlab:<lab>[:what]` comment, and the load is a sync: the lab's chains that the ruleset no
// longer declares go, by set difference with the live ruleset. In a namespace the ruleset owns
// (`owned`), chains take the names features give them (KUBE-SERVICES); a node's firewall sets
// the built-in chains' policies and rules directly.
import { chainName, JUMPS, ownChain, TABLES, tag, type Entry, type Table } from "../net/netfilter.js";
import type { IptablesJump, Ns, Op } from "./ops.js";

/** One rule: `match` and `target` (`-j TARGET …`), or a user's raw rule text after its chain. */
export interface Rule {
  chain: string;
  match?: string;
  target?: string;
  raw?: string;
  what?: string;
}

/** An ipset the rules match (`-m set --match-set NAME src`): its type and its whole membership. */
export interface IpSet {
  type: string;
  members: string[];
}

const emptyTables = <T>(f: () => T): Record<Table, T> => ({ raw: f(), mangle: f(), filter: f(), nat: f() });

export class Ruleset {
  /** Rules in the lab's own chains, by table, in the order features added them. */
  private readonly own = emptyTables<Rule[]>(() => []);
  /** The rules added so far (table, chain, match, target): a second add of one is dropped in O(1). */
  private readonly added = new Set<string>();
  /** Chains declared although no rule of theirs may be added (a jump target, a per-object chain). */
  private readonly declared = emptyTables<string[]>(() => []);
  /** Entry points beyond the default JUMPS: a ClusterIP's PREROUTING hook, a mangle mark. */
  private readonly entries: Entry[] = [];
  private readonly sets = new Map<string, IpSet>();
  /** A node's firewall: built-in chains' policies, their rules, and raw rules of other tables. */
  firewall?: { policies: Record<"INPUT" | "FORWARD" | "OUTPUT", "ACCEPT" | "DROP">; rules: Rule[]; raw: Map<string, string[]> };

  /**
   * `owned`: netlab made the namespace and removes it whole, so chains keep their own names;
   * `verbatim`: rules carry their `what` as their whole comment, as kube-proxy writes them.
   */
  constructor(readonly lab: string, readonly ns: Ns, readonly family: 4 | 6, readonly opts: { owned?: boolean; verbatim?: boolean } = {}) {}

  /** The kernel name of chain `suffix`: NL-<lab>-<suffix> (hashed past 28 characters), or `suffix` itself where the namespace is owned. */
  chain(suffix: string): string {
    if (!this.opts.owned) return chainName(this.lab, suffix);
    if (suffix.length > 28) throw new Error(`chain ${suffix} is longer than iptables' 28 characters`);
    return suffix;
  }

  /** Adds a rule to chain `suffix` of `table`; a rule already there (same match and target) is not added twice. */
  add(table: Table, suffix: string, match: string, target: string, what: string): void {
    const chain = this.chain(suffix);
    const key = `${table}\0${chain}\0${match}\0${target}`;
    if (this.added.has(key)) return;
    this.added.add(key);
    this.own[table].push({ chain, match, target, what });
  }

  addRaw(suffix: string, raw: string, what: string): void {
    this.own.filter.push({ chain: this.chain(suffix), raw, what });
  }

  /** Declares chain `suffix` in `table` even if it stays empty (kube-proxy declares every chain it jumps to). */
  declare(table: Table, suffix: string): void {
    const c = this.chain(suffix);
    if (!this.declared[table].includes(c)) this.declared[table].push(c);
  }

  /** An entry point into chain `e.to` from a built-in chain, beyond the defaults (JUMPS); ensured once. */
  entry(e: Entry): void {
    if (!this.entries.some((x) => x.table === e.table && x.from === e.from && x.to === e.to && x.match === e.match)) this.entries.push(e);
  }

  /** An ipset, created (or emptied) and filled before the rules that match it are loaded. */
  ipset(name: string, set: IpSet): void {
    if (name.length > 31) throw new Error(`ipset ${name} is longer than 31 characters`);
    this.sets.set(name, set);
  }

  /** The ipsets' names, for the step's undo (ipset-destroy). In a shared namespace they must carry the lab's prefix. */
  setNames(): string[] {
    return [...this.sets.keys()];
  }

  has(table: Table): boolean {
    return this.own[table].length > 0;
  }

  private line(r: Rule, tagged: boolean): string {
    const t = tagged && r.what ? ` ${this.opts.verbatim ? `-m comment --comment ${JSON.stringify(r.what)}` : tag(this.lab, r.what)}` : "";
    if (r.raw !== undefined) return tagged ? `-A ${r.chain}${t} ${r.raw}` : r.raw;
    return `-A ${r.chain}${r.match ? ` ${r.match}` : ""}${t} -j ${r.target}`;
  }

  /**
   * The chains of `table`, in the order they are declared: every chain a rule is in or jumps to
   * (a per-object chain reached only from another), and every declared one. nat lists the entry
   * points' chains first, in JUMPS order (the layout kube-proxy writes; today's dumps keep it).
   */
  private chainsOf(table: Table): string[] {
    // A target is one of our chains by its name where chains are NL-<lab>-*; where the namespace
    // is owned, ACCEPT and KUBE-SVC-X look alike, so a chain only jumped to must be declared.
    const targets = this.opts.owned ? [] : this.own[table].map((r) => r.target?.split(" ")[0] ?? "").filter(ownChain(this.lab));
    const all = [...new Set([...this.own[table].map((r) => r.chain), ...targets, ...this.declared[table]])];
    if (table !== "nat") return all;
    const first = [...new Set(this.entriesOf(table).map((e) => this.chain(e.to)))].filter((c) => all.includes(c));
    return [...first, ...all.filter((c) => !first.includes(c))];
  }

  /** The entry points of `table` whose chain the ruleset declares. */
  private entriesOf(table: Table, declared?: string[]): Entry[] {
    return [...JUMPS, ...this.entries].filter((e) => e.table === table && (!declared || declared.includes(this.chain(e.to))));
  }

  /** The jump of an entry point, as `-A`/`-I` takes it after the chain name. */
  private jump(e: Entry): IptablesJump {
    return { table: e.table, chain: e.from, insert: !!e.insert, spec: `${e.match ? `${e.match} ` : ""}${tag(this.lab)} -j ${this.chain(e.to)}` };
  }

  /**
   * The ops: the ipsets (one `ipset restore`), then one iptables-restore of every table the
   * lab's chains use, with the entry points to ensure; then a node firewall's own load.
   */
  ops(): Op[] {
    const ops: Op[] = [];
    if (this.sets.size) ops.push({ op: "ipset", ns: this.ns, lines: this.setLines() });
    const lines: string[] = [];
    const jumps: IptablesJump[] = [];
    for (const table of TABLES) {
      const chains = this.chainsOf(table);
      if (!chains.length) continue;
      const rules = this.own[table];
      // nat: the masquerade chain's rules before the DNAT chain's, whatever order they came in.
      const ordered = table === "nat" ? [...rules.filter((r) => r.chain === this.chain("POST")), ...rules.filter((r) => r.chain !== this.chain("POST"))] : rules;
      lines.push(`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...ordered.map((r) => this.line(r, true)), "COMMIT");
      jumps.push(...this.entriesOf(table, chains).map((e) => this.jump(e)));
    }
    if (lines.length) ops.push({ op: "iptables", ns: this.ns, family: this.family, text: lines.join("\n"), ...(jumps.length ? { jumps } : {}), ...(this.opts.owned ? {} : { owner: this.lab }) });
    const f = this.firewall;
    if (f) {
      const fw = ["*filter", ...(["INPUT", "FORWARD", "OUTPUT"] as const).map((c) => `:${c} ${f.policies[c]} [0:0]`), ...f.rules.map((r) => this.line(r, false)), ...(f.raw.get("filter") ?? []), "COMMIT"];
      for (const [table, raw] of f.raw) if (table !== "filter") fw.push(`*${table}`, ...raw, "COMMIT");
      ops.push({ op: "iptables", ns: this.ns, family: this.family, text: fw.join("\n") });
    }
    return ops;
  }

  /** `ipset restore` input: each set made if missing, emptied, and filled — its membership is exactly the desired one. */
  private setLines(): string[] {
    const fam = this.family === 6 ? "inet6" : "inet";
    return [...this.sets].flatMap(([name, s]) => [`create ${name} ${s.type} family ${fam}`, `flush ${name}`, ...addLines(name, s.members)]);
  }
}

/** The same set on every node of a cluster is one array of members (netpol.ts): its lines written once. */
const adds = new WeakMap<readonly string[], { name: string; lines: string[] }>();
function addLines(name: string, members: readonly string[]): string[] {
  const hit = adds.get(members);
  if (hit?.name === name) return hit.lines;
  const lines = members.map((m) => `add ${name} ${m}`);
  adds.set(members, { name, lines });
  return lines;
}
