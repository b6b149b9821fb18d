// Rulesets as desired state on a real kernel (issue 20, item 1): a ruleset with per-object
// chains (suffixes with '-', a name hashed to fit 28 characters), a mangle chain and a
// ClusterIP-style entry point for a destination that is no local address — loaded into a
// sandbox twice without a doubled jump, synced to a smaller ruleset by set difference, and
// removed by down's cleanup to exactly what was there before. The ClusterIP is proven by real
// traffic: curl to 10.96.0.10 reaches a server in another namespace only through its DNAT.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ruleset } from "../../src/plan/ruleset.js";
import type { Context } from "../../src/runtime/context.js";
import { runOp } from "../../src/runtime/ops/index.js";
import { holdTables } from "../../src/runtime/shared.js";
import { tidy } from "../../src/teardown.js";
import type { Op } from "../../src/plan/ops.js";
import { run } from "../../src/runtime/proc.js";
import { eventually, IS_ROOT, Sandbox, type Snapshot } from "./sandbox.js";

const LAB = "rsync";
const NODE = "rsync-b";
const CLEAN: Op = { op: "iptables-clean", ns: null, family: 4, lab: LAB };

function ruleset(withOld: boolean): Ruleset {
  const rs = new Ruleset(LAB, null, 4);
  rs.add("filter", "FWD", "-i v0", "ACCEPT", "v0");
  rs.add("nat", "SVC", "-d 10.96.0.10/32 -p tcp -m tcp --dport 80", rs.chain("SVC-DEFAULT-WEB-HTTP-80"), "service web");
  rs.add("nat", "SVC-DEFAULT-WEB-HTTP-80", "", rs.chain("SEP-WEB-1"), "endpoint 10.77.0.2:8080");
  rs.add("nat", "SEP-WEB-1", "-p tcp", "DNAT --to-destination 10.77.0.2:8080", "endpoint 10.77.0.2:8080");
  if (withOld) rs.add("nat", "SEP-OLD-2", "-p tcp", "DNAT --to-destination 10.77.0.3:8080", "old endpoint");
  rs.add("mangle", "MARK", "-d 10.96.0.10/32", "MARK --set-xmark 0x4000/0x4000", "service traffic");
  // A ClusterIP is no local address: its entry points hook every destination, as kube-proxy's KUBE-SERVICES.
  rs.entry({ table: "nat", from: "OUTPUT", to: "SVC" });
  rs.entry({ table: "nat", from: "PREROUTING", to: "SVC" });
  rs.entry({ table: "mangle", from: "OUTPUT", to: "MARK" });
  return rs;
}

describe.skipIf(!IS_ROOT)("rulesets as desired state, on a real kernel", () => {
  let sb: Sandbox;
  let before: Snapshot;
  let ctx: Context;
  let server: ReturnType<typeof spawn> | undefined;
  const save = async () => (await sb.sh("iptables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]/[0:0]/'")).stdout;

  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    ctx = { lab: LAB, hostId: "test", hostWrap: ["ip", "netns", "exec", sb.name], state: null, env: process.env };
    await run(["ip", "netns", "add", NODE]);
    await sb.sh(`ip link add v0 type veth peer name eth0 netns ${NODE} && ip addr add 10.77.0.1/24 dev v0 && ip link set v0 up && ip route add 10.96.0.0/12 dev v0`);
    await run(["ip", "-n", NODE, "addr", "add", "10.77.0.2/24", "dev", "eth0"]);
    await run(["ip", "-n", NODE, "link", "set", "eth0", "up"]);
    await run(["ip", "-n", NODE, "link", "set", "lo", "up"]);
    server = spawn("ip", ["netns", "exec", NODE, "python3", "-m", "http.server", "8080", "--bind", "10.77.0.2"], { stdio: "ignore" });
  });
  afterAll(async () => {
    if (server?.pid) process.kill(server.pid);
    await run(["ip", "netns", "delete", NODE]);
    await sb.sh("ip link delete v0 2>/dev/null");
    tidy(); // the ledger's directory, as down leaves it: gone when empty
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
  });

  it("a ClusterIP answers only through the ruleset's own entry point; a second load doubles nothing", async () => {
    const curl = () => sb.sh("curl -sS -m 2 -o /dev/null -w '%{http_code}' http://10.96.0.10/");
    expect((await curl()).stdout).not.toBe("200"); // no rule: nobody at 10.96.0.10
    // As up does: the tables the rules bring into being are the lab's to remove again.
    await holdTables([{ id: "rules", title: "rules", ops: ruleset(true).ops(), undo: [CLEAN] }], ctx);
    for (const op of ruleset(true).ops()) await runOp(op, ctx);
    const first = await save();
    const hashed = /^:(NL-rsync-SVC-[0-9A-Z]+) - /m.exec(first)?.[1];
    expect(hashed).toHaveLength(28); // SVC-DEFAULT-WEB-HTTP-80 hashed to fit
    expect(first).toContain(':NL-rsync-SEP-WEB-1 - ');
    expect(first).toContain(':NL-rsync-SEP-OLD-2 - ');
    expect(first).toContain('-A OUTPUT -m comment --comment "netlab:rsync" -j NL-rsync-SVC');
    expect(first).toContain('-A OUTPUT -m comment --comment "netlab:rsync" -j NL-rsync-MARK');
    expect(await eventually(async () => (await curl()).stdout === "200", 5000)).toBe(true);
    for (const op of ruleset(true).ops()) await runOp(op, ctx);
    expect(await save()).toBe(first);
  });

  it("a smaller ruleset syncs by set difference: the chain it no longer declares goes, the rest stays", async () => {
    for (const op of ruleset(false).ops()) await runOp(op, ctx);
    const now = await save();
    expect(now).not.toContain("SEP-OLD-2");
    expect(now).toContain(":NL-rsync-SEP-WEB-1 - ");
    expect((await sb.sh("curl -sS -m 2 -o /dev/null -w '%{http_code}' http://10.96.0.10/")).stdout).toBe("200");
  });

  it("down's cleanup leaves the rules as they were, '-' suffixes, hashed names and every entry point included", async () => {
    await runOp(CLEAN, ctx);
    expect(await save()).not.toContain("rsync");
    expect((await sb.snapshot()).sandbox.iptables).toEqual(before.sandbox.iptables);
  });
});
