// Output fits 80 columns (issue 18): the widest plain columns wrap at spaces, in their own column.
import { describe, expect, it } from "vitest";
import { table, wrap } from "../../src/cli/output.js";

describe("table", () => {
  it("wraps the widest column at word boundaries to fit the width, never mid-word", () => {
    const desc = "Calico's model by hand — BIRD on each host announces its pod subnet over BGP; no static routes.";
    const out = table(["LAB", "NODES", "DESCRIPTION"], [["bgp-routes", "6", desc], ["veth-pair", "2", "two namespaces, one cable"]], 80);
    const lines = out.split("\n");
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines[2].startsWith(" ".repeat(19))).toBe(true); // the continuation stays in its column
    expect(lines.slice(1, 3).map((l) => l.slice(19)).join(" ").replace(/\s+/g, " ").trim()).toBe(desc);
  });
  it("leaves a table that fits alone", () => {
    expect(table(["A", "B"], [["x", "y"]], 80)).toBe("A  B\nx  y");
  });
  it("cuts a word only when it is longer than the column", () => {
    expect(wrap("short averyveryverylongword end", 8)).toEqual(["short", "averyver", "yverylon", "gword", "end"]);
  });
});
