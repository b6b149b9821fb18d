// A live apply restores only the chains of a node's tables that changed (src/change/chains.ts).
import { describe, expect, it } from "vitest";
import { changedChains } from "../../src/change/chains.js";
import { replacingTables } from "../../src/runtime/iptables-live.js";

const OPEN = true;
const filter = (...lines: string[]) => `*filter\n${lines.join("\n")}\nCOMMIT`;
const jump = { table: "filter", chain: "FORWARD", spec: "-m comment --comment nl -j KUBE-ROUTER-FORWARD" };
const node = (rules: string[], tables = ["filter"]) => replacingTables(tables, [filter(":KUBE-ROUTER-FORWARD - [0:0]", ":KUBE-NWPLCY-A - [0:0]", ...rules)], [jump], OPEN);
const base = ["-A KUBE-ROUTER-FORWARD -d 10.244.1.2 -j KUBE-NWPLCY-A", "-A KUBE-NWPLCY-A -s 10.244.2.3 -j ACCEPT"];

describe("changedChains: a node's tables from the version in the kernel to the new one", () => {
  it("writes nothing where nothing changed", () => {
    expect(changedChains(node(base), node(base))).toBe("");
  });

  it("rewrites only the chain whose rules changed, declared (so emptied) then filled", () => {
    const out = changedChains(node([...base, "-A KUBE-NWPLCY-A -s 10.244.2.4 -j ACCEPT"]), node(base));
    expect(out).toBe(filter(":KUBE-NWPLCY-A - [0:0]", "-A KUBE-NWPLCY-A -s 10.244.2.3 -j ACCEPT", "-A KUBE-NWPLCY-A -s 10.244.2.4 -j ACCEPT"));
  });

  it("makes a new chain and deletes one no longer wanted, after what jumped to it is rewritten", () => {
    const now = ["-A KUBE-ROUTER-FORWARD -d 10.244.1.2 -j KUBE-NWPLCY-B", "-A KUBE-NWPLCY-B -j REJECT"];
    const was = replacingTables(["filter"], [filter(":KUBE-ROUTER-FORWARD - [0:0]", ":KUBE-NWPLCY-A - [0:0]", ...base)], [jump], OPEN);
    const will = replacingTables(["filter"], [filter(":KUBE-ROUTER-FORWARD - [0:0]", ":KUBE-NWPLCY-B - [0:0]", ...now)], [jump], OPEN);
    expect(changedChains(will, was)).toBe(filter(":KUBE-ROUTER-FORWARD - [0:0]", ":KUBE-NWPLCY-B - [0:0]", ":KUBE-NWPLCY-A - [0:0]", ...now, "-X KUBE-NWPLCY-A"));
  });

  it("empties and refills a built-in chain whose rules changed (its entry jumps included), and sets a changed policy", () => {
    const fw = (policy: string, rule: string) => replacingTables(["filter"], [filter(":KUBE-ROUTER-FORWARD - [0:0]"), filter(`:INPUT ${policy} [0:0]`, ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", rule)], [{ ...jump, insert: true }]);
    const out = changedChains(fw("DROP", "-A FORWARD -p tcp -j ACCEPT"), fw("ACCEPT", "-A FORWARD -p udp -j ACCEPT"));
    expect(out).toBe(filter(":INPUT DROP [0:0]", "-F FORWARD", `-A FORWARD ${jump.spec}`, "-A FORWARD -p tcp -j ACCEPT"));
  });

  it("empties a built-in chain the new version leaves empty, and a table it no longer loads", () => {
    const was = replacingTables(["filter", "nat"], [filter("-A INPUT -j DROP"), "*nat\n:NL-X - [0:0]\n-A NL-X -j RETURN\nCOMMIT"], [], OPEN);
    const will = replacingTables(["filter", "nat"], [], [], OPEN);
    expect(changedChains(will, was)).toBe([filter("-F INPUT"), "*nat\n:NL-X - [0:0]\n-X NL-X\nCOMMIT"].join("\n"));
  });

  it("replaces a table whole where it holds a line of another shape (a firewall's raw line), or is new", () => {
    const raw = replacingTables(["filter"], [filter("-I INPUT 2 -j DROP")], [], OPEN);
    expect(changedChains(raw, node(base))).toBe(raw.trimEnd());
    const nat = replacingTables(["nat"], ["*nat\n:NL-X - [0:0]\nCOMMIT"]);
    expect(changedChains(nat, node(base))).toBe(nat.trimEnd());
  });
});
