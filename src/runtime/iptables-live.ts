// Reading the live ruleset (`iptables-save`): what belongs to a lab, which tables exist,
// which are empty again. The runtime's side of the ruleset model (plan/ruleset.ts).
import { ownChain, taggedBy } from "../net/netfilter.js";
import type { IptablesJump } from "../plan/ops.js";

/** iptables-save's lines by table: its chain declarations' names and its rules (`-A …`). */
export function parseSave(save: string): Map<string, { chains: string[]; rules: string[] }> {
  const out = new Map<string, { chains: string[]; rules: string[] }>();
  let cur: { chains: string[]; rules: string[] } | undefined;
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) out.set(line.slice(1).trim(), (cur = { chains: [], rules: [] }));
    else if (line.startsWith(":") && cur) cur.chains.push(line.slice(1).split(" ")[0]);
    else if (line.startsWith("-A ") && cur) cur.rules.push(line);
    else if (line === "COMMIT") cur = undefined;
  }
  return out;
}

/** The chain of a `-A CHAIN …` line (thousands of them in a big lab's dump: no split). */
const chainOf = (rule: string) => {
  const end = rule.indexOf(" ", 3);
  return rule.slice(3, end < 0 ? undefined : end);
};
const targetOf = (rule: string) => / -[jg] (\S+)/.exec(rule)?.[1];
/**
 * A rule as iptables-save prints it, for comparing: without quotes (it quotes a comment only where
 * it must), and with the basic options before the first match in its order (-s, -d, -i, -o, -p,
 * each with its "!"): netlab may write `-i br0 -d 127.0.0.11/32`, the kernel gives back `-d … -i …`.
 */
const norm = (rule: string) => {
  const w = rule.replace(/"/g, "").split(" ");
  const head = w.slice(0, 2);
  const basic: Record<string, string[]> = {};
  let i = 2;
  for (; i < w.length; i++) {
    const neg = w[i] === "!" ? 1 : 0;
    const opt = w[i + neg];
    if (!["-s", "-d", "-i", "-o", "-p"].includes(opt) || basic[opt]) break;
    basic[opt] = w.slice(i, i + neg + 2);
    i += neg + 1;
  }
  return [...head, ...["-s", "-d", "-i", "-o", "-p"].flatMap((o) => basic[o] ?? []), ...w.slice(i)].join(" ");
};
/** Whether a live rule is the wanted one: most are byte for byte, so norm only when they differ. */
const sameRule = (live: string, want: string) => live === want || norm(live) === norm(want);
const del = (rule: string) => "-D" + rule.slice(2);
const commentOf = (spec: string) => /--comment ("[^"]*"|\S+)/.exec(spec)?.[1] ?? "";

/**
 * From `iptables-save` output, the iptables-restore input that removes exactly this lab's
 * tagged rules in chains not its own (its jumps, wherever an entry point put them), then its
 * chains — and nothing else. Empty when there is nothing of ours.
 */
export function cleanupScript(save: string, lab: string, only: (table: string) => boolean = () => true): string {
  const ours = ownChain(lab);
  const tagged = taggedBy(lab);
  const out: string[] = [];
  for (const [table, t] of parseSave(save)) {
    if (!only(table)) continue;
    const dels = t.rules.filter((r) => !ours(chainOf(r)) && tagged(r)).map(del);
    const chains = t.chains.filter(ours);
    if (dels.length || chains.length) out.push(`*${table}`, ...dels, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), "COMMIT");
  }
  return out.length ? out.join("\n") + "\n" : "";
}

/**
 * The iptables-restore input that makes the live ruleset (`save`) hold a ruleset's `text` — its
 * chains declared (so emptied) and filled — with each of its `jumps` exactly once (one that is
 * there stays; copies and outdated ones go), and, with an `owner`, none of the owner's chains
 * the text no longer declares, nor its jumps to them: kube-proxy's sync, by set difference.
 */
export function syncScript(save: string, text: string, jumps: IptablesJump[], owner?: string): string {
  const live = parseSave(save);
  const want = parseSave(text);
  const sections = new Map<string, string[]>();
  const section = (t: string) => sections.get(t) ?? (sections.set(t, []), sections.get(t)!);
  // The desired text, table by table, less what the live ruleset already holds.
  let table = "";
  const desired = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) desired.set((table = line.slice(1).trim()), []);
    else if (line === "COMMIT") table = "";
    else if (table && line.trim()) desired.get(table)!.push(line);
  }
  for (const [t, lines] of desired) section(t).push(...missingLines(lines, live.get(t) ?? { chains: [], rules: [] }));
  const tail = new Map<string, string[]>();
  const after = (t: string, ...l: string[]) => (section(t), tail.set(t, [...(tail.get(t) ?? []), ...l]));
  // Entry points: a live jump that is one of `jumps` stays (once); the owner's other jumps go
  // (copies, outdated matches, entry points no longer wanted); what is missing is added.
  const seen = new Set<string>();
  const isJump = (r: string, t: string) =>
    owner ? !ownChain(owner)(chainOf(r)) && taggedBy(owner, true)(r) : jumps.some((j) => j.table === t && j.chain === chainOf(r) && targetOf(r) === targetOf(` ${j.spec}`) && norm(r).includes(norm(commentOf(j.spec))));
  for (const [t, l] of live)
    for (const r of l.rules.filter((x) => isJump(x, t))) {
      const key = `${t} ${norm(r)}`;
      if (!seen.has(key) && jumps.some((j) => j.table === t && `${t} ${norm(`-A ${j.chain} ${j.spec}`)}` === key)) seen.add(key);
      else after(t, del(r));
    }
  for (const j of jumps) if (!seen.has(`${j.table} ${norm(`-A ${j.chain} ${j.spec}`)}`)) after(j.table, j.insert ? `-I ${j.chain} 1 ${j.spec}` : `-A ${j.chain} ${j.spec}`);
  if (owner) {
    const ours = ownChain(owner);
    for (const [t, l] of live) {
      const stale = l.chains.filter((c) => ours(c) && !(want.get(t)?.chains ?? []).includes(c));
      if (stale.length) after(t, ...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`));
    }
  }
  const out = [...sections].flatMap(([t, lines]) => [`*${t}`, ...lines, ...(tail.get(t) ?? []), "COMMIT"]);
  return out.length ? out.join("\n") + "\n" : "";
}

/**
 * A table's desired lines (its chains declared, then their rules) less what the live rules
 * already are: a chain whose rules are all there, in order, is not written; one whose rules only
 * grew gets the new ones appended (a node added to a 1,000-node network: one rule, not 1,000);
 * any other is declared (so emptied) and filled. Compared as iptables-save prints them (quotes
 * aside): a rule written otherwise only costs its chain being written whole, as before.
 * The lines as given where one is of another shape.
 */
function missingLines(lines: string[], live: { chains: string[]; rules: string[] }): string[] {
  const decls = lines.filter((l) => l.startsWith(":"));
  const rules = lines.filter((l) => l.startsWith("-A "));
  const chains = decls.map((d) => d.slice(1).split(" ")[0]);
  const declared = new Set(chains);
  if (decls.length + rules.length !== lines.length || rules.some((r) => !declared.has(chainOf(r)))) return lines;
  const byChain = (rs: string[]) => {
    const m = new Map<string, string[]>();
    for (const r of rs) {
      const c = chainOf(r);
      (m.get(c) ?? m.set(c, []).get(c)!).push(r);
    }
    return m;
  };
  const [want, have] = [byChain(rules), byChain(live.rules)];
  const there = new Set(live.chains);
  const keep = new Set<string>();
  const appended: string[] = [];
  for (const c of chains) {
    const [w, h] = [want.get(c) ?? [], have.get(c) ?? []];
    if (!there.has(c) || h.length > w.length || h.some((r, i) => !sameRule(r, w[i]))) continue;
    keep.add(c);
    appended.push(...w.slice(h.length));
  }
  return [...decls.filter((_, i) => !keep.has(chains[i])), ...rules.filter((r) => !keep.has(chainOf(r))), ...appended];
}

/**
 * The iptables-restore input that empties `tables` of a namespace netlab owns (rules and
 * chains), before its rules are loaded again (repair, apply). `open`: the filter table's
 * policies go back to ACCEPT too (no firewall is loaded after it); else they stay as they are.
 */
export function emptyTables(tables: string[], open = false): string {
  const policies = ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  return tables.map((t) => `*${t}\n${t === "filter" && open ? policies : ""}-F\n-X\nCOMMIT`).join("\n");
}

/**
 * One restore that replaces `tables` (every table any version of a namespace netlab owns loads)
 * by rulesets' `texts` (a node's chains and its firewall, in the order they load) and their
 * entry `jumps`: each table emptied and filled inside its own transaction, so the new rules take
 * the old ones' place at once (kube-proxy's one iptables-restore: no moment without Services);
 * tables no text has, emptied. `open`: filter's policies back to ACCEPT first (no text sets them).
 */
export function replacingTables(tables: string[], texts: string[], jumps: IptablesJump[] = [], open = false): string {
  const sections = new Map<string, string[]>();
  const section = (t: string) => sections.get(t) ?? sections.set(t, []).get(t)!;
  for (const text of texts) {
    let table = "";
    for (const line of text.split("\n")) {
      if (line.startsWith("*")) section((table = line.slice(1).trim()));
      else if (line.trim() === "COMMIT") table = "";
      else if (table && line.trim() && !line.startsWith("#")) section(table).push(line);
    }
  }
  for (const j of jumps) section(j.table).push(`${j.insert ? `-I ${j.chain} 1` : `-A ${j.chain}`} ${j.spec}`);
  const policies = [":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"];
  const body = [...sections].map(([t, lines]) => [`*${t}`, ...(t === "filter" && open ? policies : []), "-F", "-X", ...lines, "COMMIT"].join("\n"));
  return [emptyTables(tables.filter((t) => !sections.has(t)), open), ...body].filter(Boolean).join("\n");
}

/** Table names present in an iptables-save dump. */
export function tablesIn(save: string): string[] {
  return save.split("\n").filter((l) => l.startsWith("*")).map((l) => l.slice(1).trim());
}

/**
 * The tables of an iptables-save that hold nothing but built-in chains with an ACCEPT policy,
 * which behave exactly like no table; with `lab`, as they will be once that lab's rules and
 * chains are gone (what cleanupScript removes).
 */
export function pristineTables(save: string, lab?: string): string[] {
  const ours = lab ? ownChain(lab) : () => false;
  const tagged = lab ? taggedBy(lab) : () => false;
  const out: string[] = [];
  let table = "";
  let clean = true;
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) { table = line.slice(1).trim(); clean = true; }
    else if (line.startsWith(":")) { if (!ours(line.slice(1).split(" ")[0]) && !/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT /.test(line)) clean = false; }
    else if (line.startsWith("-")) { if (!ours(chainOf(line)) && !tagged(line)) clean = false; }
    else if (line === "COMMIT" && table) { if (clean) out.push(table); table = ""; }
  }
  return out;
}
