// Rulesets as desired state (issue 20, item 1): names that fit iptables, one parser of them,
// every chain declared, entry points outside the restore, and a sync by set difference.
import { describe, expect, it } from "vitest";
import { CHAIN_MAX, chainName, ownChain, parseChain } from "../../src/net/netfilter.js";
import { Ruleset } from "../../src/plan/ruleset.js";
import { cleanupScript, pristineTables, replacingTables, syncScript } from "../../src/runtime/iptables-live.js";
import type { Op } from "../../src/plan/ops.js";

type Ipt = Extract<Op, { op: "iptables" }>;

describe("chain names", () => {
  it("fit iptables' 28 characters, hashing a long suffix but keeping its first word, stably", () => {
    expect(chainName("bridge-lab", "FWD")).toBe("NL-bridge-lab-FWD");
    const long = chainName("bridge-lab", "SVC-DEFAULT-WEB-HTTP-8080");
    expect(long).toMatch(/^NL-bridge-lab-SVC-[0-9A-Z]{10}$/);
    expect(long).toHaveLength(CHAIN_MAX);
    expect(long).toBe("NL-bridge-lab-SVC-3OXX0AJ9J4"); // the same everywhere: down finds it from the plan alone
    expect(chainName("bridge-lab", "SVC-DEFAULT-WEB-HTTP-8081")).not.toBe(long);
    // A 19-character kernel prefix leaves 5: a word does not fit, a hash does.
    const tight = chainName("abcdefghij-klmnopqr", "SEP-POD-A");
    expect(tight).toMatch(/^NL-abcdefghij-klmnopqr-H[0-9A-Z]{4}$/);
    expect(tight.length).toBeLessThanOrEqual(CHAIN_MAX);
    // A lab name past 19 characters is hashed into its prefix first; the chain still fits.
    expect(chainName("nginx-flask-mysql-with-a-long-name", "SVC-WEB-HTTP").length).toBeLessThanOrEqual(CHAIN_MAX);
  });

  it("refuse a suffix that could read as part of a lab prefix (a planner bug)", () => {
    expect(() => chainName("lab", "svc")).toThrow(/upper case/);
    expect(() => chainName("lab", "1-FWD")).toThrow(/upper case/);
  });

  it("parse back, splitting at the first capital: suffixes with '-' and labs that prefix each other", () => {
    expect(parseChain("NL-bridge-lab-SVC-ABC123")).toEqual({ prefix: "bridge-lab", suffix: "SVC-ABC123" });
    expect(parseChain("NL-lab-1-FWD")).toEqual({ prefix: "lab-1", suffix: "FWD" });
    expect(parseChain("KUBE-SERVICES")).toBeNull();
    expect(parseChain("NL-lab-fwd")).toBeNull();
    expect(parseChain(`NL-lab-${"X".repeat(30)}`)).toBeNull();
    const lab = ownChain("lab");
    expect(lab("NL-lab-SVC-A-B")).toBe(true);
    expect(lab("NL-lab-1-FWD")).toBe(false); // lab-1's
    expect(ownChain("lab-1")("NL-lab-FWD")).toBe(false);
  });
});

describe("a ruleset", () => {
  it("declares every chain it uses in every table, a per-object chain reached only by a jump included", () => {
    const rs = new Ruleset("k", null, 4);
    rs.add("nat", "PRE", "-d 10.96.0.10/32 -p tcp -m tcp --dport 80", rs.chain("SVC-WEB"), "service web");
    rs.add("nat", "SVC-WEB", "", rs.chain("SEP-A"), "endpoint a");
    rs.add("nat", "SEP-A", "-p tcp", "DNAT --to-destination 10.244.1.2:80", "endpoint a");
    rs.add("mangle", "MARK", "", "MARK --set-xmark 0x4000/0x4000", "mark");
    rs.declare("nat", "SVC-EMPTY");
    rs.entry({ table: "mangle", from: "PREROUTING", to: "MARK" });
    const [op] = rs.ops() as Ipt[];
    expect(op.text).toContain("*mangle\n:NL-k-MARK - [0:0]\n");
    // nat: the entry point's chain first (kube-proxy's layout), then every other chain, declared before any rule.
    expect(op.text).toMatch(/\*nat\n:NL-k-PRE - \[0:0\]\n:NL-k-SVC-WEB - \[0:0\]\n:NL-k-SEP-A - \[0:0\]\n:NL-k-SVC-EMPTY - \[0:0\]\n-A /);
    expect(op.text).not.toMatch(/^-[AI] (PREROUTING|OUTPUT|POSTROUTING|FORWARD)/m); // entry points are ensured outside
    expect(op.jumps).toEqual([
      { table: "mangle", chain: "PREROUTING", insert: false, spec: '-m comment --comment "netlab:k" -j NL-k-MARK' },
      { table: "nat", chain: "PREROUTING", insert: false, spec: '-m addrtype --dst-type LOCAL -m comment --comment "netlab:k" -j NL-k-PRE' },
      { table: "nat", chain: "OUTPUT", insert: false, spec: '-m addrtype --dst-type LOCAL -m comment --comment "netlab:k" -j NL-k-PRE' },
    ]);
    expect(op.owner).toBe("k");
  });

  it("hooks non-local destinations (a ClusterIP) with an entry point of its own", () => {
    const rs = new Ruleset("k", null, 4);
    rs.add("nat", "SVC", "-d 10.96.0.10/32", "DNAT --to-destination 10.244.1.2", "web");
    rs.entry({ table: "nat", from: "PREROUTING", to: "SVC" });
    rs.entry({ table: "nat", from: "OUTPUT", to: "SVC" });
    expect((rs.ops()[0] as Ipt).jumps!.map((j) => `${j.chain} ${j.spec}`)).toEqual([
      'PREROUTING -m comment --comment "netlab:k" -j NL-k-SVC',
      'OUTPUT -m comment --comment "netlab:k" -j NL-k-SVC',
    ]);
  });

  it("in a namespace it owns, keeps real names (KUBE-*) and declares a chain only jumped to when told", () => {
    const rs = new Ruleset("k", "k-node1", 4, { owned: true });
    rs.add("nat", "KUBE-SERVICES", "-d 10.96.0.10/32", "KUBE-SVC-ABC", "web");
    rs.declare("nat", "KUBE-SVC-ABC");
    rs.entry({ table: "nat", from: "PREROUTING", to: "KUBE-SERVICES" });
    const [op] = rs.ops() as Ipt[];
    expect(op.text).toBe('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-ABC - [0:0]\n-A KUBE-SERVICES -d 10.96.0.10/32 -m comment --comment "netlab:k:web" -j KUBE-SVC-ABC\nCOMMIT');
    expect(op.owner).toBeUndefined();
    expect(() => rs.chain("KUBE-SVC-" + "X".repeat(20))).toThrow(/28/);
  });

  it("fills its ipsets before its rules: made if missing, emptied, filled", () => {
    const rs = new Ruleset("k", "k-node1", 6, { owned: true });
    rs.ipset("KUBE-POD-FW-WEB", { type: "hash:ip", members: ["fd00::2", "fd00::3"] });
    rs.add("filter", "FW", "-m set --match-set KUBE-POD-FW-WEB src", "ACCEPT", "web");
    const [sets, rules] = rs.ops();
    expect(sets).toEqual({ op: "ipset", ns: "k-node1", lines: ["create KUBE-POD-FW-WEB hash:ip family inet6", "flush KUBE-POD-FW-WEB", "add KUBE-POD-FW-WEB fd00::2", "add KUBE-POD-FW-WEB fd00::3"] });
    expect(rules.op).toBe("iptables");
    expect(rs.setNames()).toEqual(["KUBE-POD-FW-WEB"]);
  });
});

describe("a sync against the live ruleset", () => {
  const rs = new Ruleset("k", null, 4);
  rs.add("filter", "FWD", "-i br0", "ACCEPT", "br0");
  rs.add("nat", "POST", "-s 10.0.0.0/24", "MASQUERADE", "nat");
  const op = rs.ops()[0] as Ipt;
  const save = (extra = "") => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:NL-k-FWD - [0:0]\n:NL-k-SVC-OLD - [0:0]\n:NL-k1-FWD - [0:0]\n-A FORWARD -m comment --comment netlab:k -j NL-k-FWD\n-A FORWARD -m comment --comment netlab:k -j NL-k-FWD\n-A FORWARD -m comment --comment netlab:k1 -j NL-k1-FWD\n-A FORWARD -m comment --comment netlab:k -j NL-k-SVC-OLD\n${extra}-A NL-k-FWD -i br0 -m comment --comment "netlab:k:br0" -j ACCEPT\nCOMMIT\n`;

  it("on a fresh ruleset adds the text and each entry point once", () => {
    expect(syncScript("", op.text, op.jumps!, "k")).toBe(
      `*filter\n:NL-k-FWD - [0:0]\n-A NL-k-FWD -i br0 -m comment --comment "netlab:k:br0" -j ACCEPT\n-I FORWARD 1 -m comment --comment "netlab:k" -j NL-k-FWD\nCOMMIT\n` +
        `*nat\n:NL-k-POST - [0:0]\n-A NL-k-POST -s 10.0.0.0/24 -m comment --comment "netlab:k:nat" -j MASQUERADE\n-A POSTROUTING -m comment --comment "netlab:k" -j NL-k-POST\nCOMMIT\n`,
    );
  });

  it("keeps a jump that is there, drops its copy, removes stale chains and their jumps — never another lab's", () => {
    const s = syncScript(save(), op.text, op.jumps!, "k");
    const filter = s.slice(0, s.indexOf("COMMIT"));
    expect(filter).toContain("-D FORWARD -m comment --comment netlab:k -j NL-k-FWD\n"); // the copy, once
    expect(filter.match(/-D FORWARD -m comment --comment netlab:k -j NL-k-FWD/g)).toHaveLength(1);
    expect(filter).not.toContain("-I FORWARD");
    expect(filter).toContain("-D FORWARD -m comment --comment netlab:k -j NL-k-SVC-OLD\n-F NL-k-SVC-OLD\n-X NL-k-SVC-OLD\n");
    expect(filter).not.toContain("k1");
  });

  it("without an owner touches only its own entry points (a node firewall's load)", () => {
    const s = syncScript(save(), op.text, op.jumps!);
    expect(s).not.toContain("SVC-OLD");
  });

  it("down removes chains whose suffix has '-', and tagged jumps from any built-in chain", () => {
    const live = `*nat\n:PREROUTING ACCEPT [0:0]\n:NL-k-SVC-A-B - [0:0]\n:NL-k-1-PRE - [0:0]\n-A PREROUTING -m comment --comment netlab:k -j NL-k-SVC-A-B\n-A PREROUTING -m comment --comment netlab:k-1 -j NL-k-1-PRE\nCOMMIT\n`;
    expect(cleanupScript(live, "k")).toBe("*nat\n-D PREROUTING -m comment --comment netlab:k -j NL-k-SVC-A-B\n-F NL-k-SVC-A-B\n-X NL-k-SVC-A-B\nCOMMIT\n");
  });

  it("a table is empty after a down when only the lab's rules and chains are in it (then deleted whole), not when anyone else's are", () => {
    const live = `*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:NL-k-PRE - [0:0]\n-A PREROUTING -m comment --comment netlab:k -j NL-k-PRE\n-A NL-k-PRE -d 127.0.0.11/32 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment netlab:k-1 -j ACCEPT\nCOMMIT\n*mangle\n:INPUT DROP [0:0]\nCOMMIT\n`;
    expect(pristineTables(live, "k")).toEqual(["nat"]);
    expect(pristineTables(live, "k-1")).toEqual(["filter"]);
    expect(pristineTables(live)).toEqual([]);
    expect(cleanupScript(live, "k", (t) => t !== "nat")).toBe("");
  });

  it("a namespace netlab owns has its tables replaced in one restore: every ruleset's lines in one section a table, entry jumps after, tables left empty", () => {
    const chains = "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.11/32 -j KUBE-SVC-X\nCOMMIT\n*filter\n:KUBE-FORWARD - [0:0]\nCOMMIT\n";
    const firewall = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    const jumps = [{ table: "nat" as const, chain: "PREROUTING", insert: true, spec: "-j KUBE-SERVICES" }];
    expect(replacingTables(["nat", "filter", "mangle"], [chains, firewall], jumps)).toBe(
      "*mangle\n-F\n-X\nCOMMIT\n" +
        "*nat\n-F\n-X\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.11/32 -j KUBE-SVC-X\n-I PREROUTING 1 -j KUBE-SERVICES\nCOMMIT\n" +
        "*filter\n-F\n-X\n:KUBE-FORWARD - [0:0]\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT",
    );
  });
});

describe("syncScript writes only what the live ruleset lacks", () => {
  const text = "*raw\n:NL-k-RAW - [0:0]\n:NL-k-B - [0:0]\n-A NL-k-RAW -d 10.0.0.2/32 -j DROP\n-A NL-k-RAW -d 10.0.0.3/32 -j DROP\n-A NL-k-B -j RETURN\nCOMMIT\n";
  const live = (rules: string) => `*raw\n:PREROUTING ACCEPT [0:0]\n:NL-k-RAW - [0:0]\n:NL-k-B - [0:0]\n${rules}-A NL-k-B -j RETURN\nCOMMIT\n`;

  it("a chain whose rules are all there is not written; one that only grew gets the new rules appended", () => {
    expect(syncScript(live("-A NL-k-RAW -d 10.0.0.2/32 -j DROP\n-A NL-k-RAW -d 10.0.0.3/32 -j DROP\n"), text, [], "k")).toBe("*raw\nCOMMIT\n");
    expect(syncScript(live("-A NL-k-RAW -d 10.0.0.2/32 -j DROP\n"), text, [], "k")).toBe("*raw\n-A NL-k-RAW -d 10.0.0.3/32 -j DROP\nCOMMIT\n");
  });

  it("a chain that lost a rule, or whose rules moved, is declared (emptied) and written whole; one not there yet too", () => {
    const whole = "*raw\n:NL-k-RAW - [0:0]\n-A NL-k-RAW -d 10.0.0.2/32 -j DROP\n-A NL-k-RAW -d 10.0.0.3/32 -j DROP\nCOMMIT\n";
    expect(syncScript(live("-A NL-k-RAW -d 10.0.0.3/32 -j DROP\n"), text, [], "k")).toBe(whole);
    expect(syncScript(live("-A NL-k-RAW -d 10.0.0.2/32 -j DROP\n-A NL-k-RAW -d 10.0.0.3/32 -j DROP\n-A NL-k-RAW -d 10.0.0.4/32 -j DROP\n"), text, [], "k")).toBe(whole);
    expect(syncScript("*raw\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", text, [], "k")).toBe(text);
  });
});

describe("syncScript compares rules as iptables-save prints them", () => {
  it("a chain netlab writes with -i before -d is unchanged when the kernel gives it back -d first", () => {
    const text = '*nat\n:NL-k-PRE - [0:0]\n-A NL-k-PRE -i br0 -d 127.0.0.11/32 -p udp -m udp --dport 53 -m comment --comment "netlab:k:dns" -j DNAT --to-destination 10.0.0.1:53\nCOMMIT\n';
    const live = '*nat\n:PREROUTING ACCEPT [0:0]\n:NL-k-PRE - [0:0]\n-A NL-k-PRE -d 127.0.0.11/32 -i br0 -p udp -m udp --dport 53 -m comment --comment netlab:k:dns -j DNAT --to-destination 10.0.0.1:53\nCOMMIT\n';
    expect(syncScript(live, text, [], "k")).toBe("*nat\nCOMMIT\n");
    expect(syncScript(live.replace("-i br0", "-i br1"), text, [], "k")).toBe(text);
  });
});
