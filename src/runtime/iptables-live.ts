// Reading the live ruleset (`iptables-save`): what belongs to a lab, which tables exist,
// which are empty again. The runtime's side of the ruleset model (plan/ruleset.ts).
import { JUMPS, ownChains } from "../net/netfilter.js";

/**
 * From `iptables-save` output, the iptables-restore input that removes exactly this
 * lab's jumps (its tagged rules in the built-in chains JUMPS enters from), then its chains —
 * and nothing else. Empty when there is nothing of ours.
 */
export function cleanupScript(save: string, lab: string): string {
  const ours = ownChains(lab);
  const tagged = new RegExp(`--comment "?netlab:${lab.replace(/[-]/g, "\\-")}(:[^"]*)?"?( |$)`);
  const out: string[] = [];
  let table = "";
  let dels: string[] = [];
  let chains: string[] = [];
  const flush = () => {
    if (table && (dels.length || chains.length)) {
      out.push(`*${table}`, ...dels, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), "COMMIT");
    }
    dels = [];
    chains = [];
  };
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) { flush(); table = line.slice(1).trim(); continue; }
    if (line.startsWith(":")) {
      const c = line.slice(1).split(" ")[0];
      if (ours.test(c)) chains.push(c);
      continue;
    }
    if (line.startsWith("-A ")) {
      const chain = line.split(" ")[1];
      if (JUMPS.some((j) => j.table === table && j.from === chain) && tagged.test(line)) dels.push("-D" + line.slice(2));
    }
    if (line === "COMMIT") { flush(); table = ""; }
  }
  flush();
  return out.length ? out.join("\n") + "\n" : "";
}

/** Table names present in an iptables-save dump. */
export function tablesIn(save: string): string[] {
  return save.split("\n").filter((l) => l.startsWith("*")).map((l) => l.slice(1).trim());
}

/** A table with no rules, no chains of its own and ACCEPT policies behaves exactly like no table. */
export function pristineTables(save: string): string[] {
  const out: string[] = [];
  let table = "";
  let clean = true;
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) { table = line.slice(1).trim(); clean = true; }
    else if (line.startsWith(":")) { if (!/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT /.test(line)) clean = false; }
    else if (line.startsWith("-")) clean = false;
    else if (line === "COMMIT" && table) { if (clean) out.push(table); table = ""; }
  }
  return out;
}
