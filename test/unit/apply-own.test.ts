// apply's in-place changes of what a node sets for itself: its sysctls (set anew; one it no
// longer sets is refused, its value before unknown) and its files under /etc (written, or removed).
import { describe, expect, it } from "vitest";
import { compare } from "../../src/change/compare.js";
import { labHash } from "../../src/api.js";
import { labFromText } from "../../src/lab/load.js";
import type { Lab } from "../../src/lab/model.js";
import { LabState, type Meta } from "../../src/state/store.js";

const lab = (sysctls: string, files: string) => `name: own\nnodes:\n  a:\n    sysctls: { ${sysctls} }\n    files: { ${files} }\n  b: {}\n`;
const meta = (l: Lab) => ({ version: 1, lab: JSON.parse(JSON.stringify(l)), hash: labHash(l), createdAt: "", host: { id: "x", name: "root" }, pid: 1 }) as unknown as Meta;
const state = new LabState("own", "/tmp/netlab-unit-state");
const change = (from: string, to: string) => {
  const up = labFromText(from, "own.yaml");
  return compare(labFromText(to, "own.yaml", { previous: up }), meta(up), state, []);
};

describe("apply: a node's own sysctls and files", () => {
  it("sets a changed or added sysctl in the node, and nothing else there", () => {
    const c = change(lab("net.ipv4.tcp_syncookies: 0", '/etc/motd: "hi"'), lab("net.ipv4.tcp_syncookies: 1, net.ipv4.ip_default_ttl: 42", '/etc/motd: "hi"'));
    expect(c.changes.map((x) => x.id)).toEqual(["node:a"]);
    expect(c.script).toContain("sysctl -q -w net.ipv4.tcp_syncookies=1 net.ipv4.ip_default_ttl=42");
  });

  it("refuses a sysctl the node no longer sets", () => {
    expect(() => change(lab("net.ipv4.tcp_syncookies: 0", ""), lab("", ""))).toThrow(/node a's sysctl net\.ipv4\.tcp_syncookies \(no longer set: netlab does not know the value it had before/);
  });

  it("writes a changed file and removes a dropped one, from the node's own directory", () => {
    const c = change(lab("", '/etc/motd: "hi", /etc/issue: "x"'), lab("", '/etc/motd: "bye"'));
    expect(c.changes.map((x) => x.id)).toEqual(["etc-netns"]);
    expect(c.script).toMatch(/bye > \S+\/nodes\/a\/motd$/m);
    expect(c.script).toMatch(/rm -rf \S+\/nodes\/a\/issue$/m);
    expect(c.script).not.toContain("/hosts");
  });
});
