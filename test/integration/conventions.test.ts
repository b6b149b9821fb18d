// The conventions docker and kubectl users reach for (issue 18, item 8), for real in a sandbox.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { IS_ROOT, sandboxEach } from "./sandbox.js";

describe.skipIf(!IS_ROOT)("conventions", () => {
  const t = sandboxEach();

  it("down of a name that is no lab exits 1 with a guess; of a known lab that is not up, 0", async () => {
    const typo = await t.sb.netlab(["down", "brige-lab"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/no lab "brige-lab" is up.*\n.*did you mean bridge-lab\?/);
    expect((await t.sb.netlab(["down", "bridge-lab"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("status LAB shows its nodes; -o json and -o wide; exec of a missing command is 127; down --all", async () => {
    for (const l of ["veth-pair", "bridge-lab"]) {
      t.labs.add(l);
      expect((await t.sb.netlab(["up", l])).code).toBe(0);
    }
    const one = await t.sb.netlab(["status", "veth-pair"]);
    expect(one.stdout).toMatch(/^veth-pair\s+up\s+1\s/m);
    expect(one.stdout).toMatch(/^red\s+veth-pair-red\s+/m);
    expect(one.stdout).not.toMatch(/^bridge-lab/m);
    // A mistyped lab: status guesses as test and exec do, rather than saying how to start it.
    const typo = await t.sb.netlab(["status", "bridge-lbb"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean bridge-lab?");
    expect(JSON.parse((await t.sb.netlab(["status", "veth-pair", "-o", "json"])).stdout)).toMatchObject({ name: "veth-pair", state: "up" });
    expect((await t.sb.netlab(["status", "-o", "wide"])).stdout).toMatch(/^LAB\s+STATE\s+NODES\s+AGE\s+HOST\s+FILE/);
    // An 80-column terminal (COLUMNS, as a terminal of that width would say): nothing runs past it.
    for (const l of (await t.sb.netlab(["status"], { env: { COLUMNS: "80" } })).stdout.split("\n")) expect([...l].length).toBeLessThanOrEqual(80);
    expect((await t.sb.netlab(["exec", "veth-pair", "red", "--", "no-such-command"])).code).toBe(127);
    const plain = join(mkdtempSync(join(tmpdir(), "netlab-conv-")), "not-executable");
    writeFileSync(plain, "echo hi\n", { mode: 0o644 });
    expect((await t.sb.netlab(["exec", "veth-pair", "red", "--", plain])).code).toBe(126);
    rmSync(dirname(plain), { recursive: true });
    expect((await t.sb.netlab(["exec", "veth-pair", "red", "--", "sh", "-c", "exit 7"])).code).toBe(7);
    const all = await t.sb.netlab(["down", "--all"]);
    expect(all.code).toBe(0);
    t.labs.clear();
    expect((await t.sb.netlab(["status"])).stdout).toBe("no labs are up\n");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("clean --all: the dry run names the labs that are up, and the act takes the same ones down, saying so", async () => {
    t.labs.add("veth-pair");
    expect((await t.sb.netlab(["up", "veth-pair"])).code).toBe(0);
    const dry = await t.sb.netlab(["clean", "--all", "--dry-run"]);
    expect(dry.stdout).toMatch(/^veth-pair: is up: would take it down/m);
    expect((await t.sb.netlab(["status"])).stdout).toMatch(/^veth-pair\s+up/m); // the dry run touched nothing
    const act = await t.sb.netlab(["clean", "--all"]);
    expect(act.stdout).toMatch(/^veth-pair: was up: taken down/m);
    expect(act.stdout).not.toMatch(/nothing .* to remove/);
    t.labs.clear();
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("a service is its process group: killing the sh wrapper leaves the server, which status reports running and down stops", async () => {
    const lab = "bridge-lab";
    t.labs.add(lab);
    expect((await t.sb.netlab(["up", lab])).code).toBe(0);
    // web's run: is `sh -c 'netlab serve http --port 80'`: the wrapper inspect lists is the group's leader.
    const pids = (await t.sb.sh("ip netns pids bridge-lab-web")).stdout.split("\n").filter(Boolean).map(Number);
    const wrapper = pids.find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("sh\0-c"))!;
    expect(wrapper).toBeGreaterThan(0);
    process.kill(wrapper, "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    const st = await t.sb.netlab(["status"]);
    expect(st.stdout).toMatch(/^bridge-lab\s+up/m); // the server still runs: not "degraded"
    const again = await t.sb.netlab(["up", lab]);
    expect(again.stdout).toContain("already up and unchanged"); // no second server fighting for port 80
    expect((await t.sb.exec(lab, "api", "curl -s -m 2 http://web/")).stdout).toContain("hello from web");
    expect((await t.sb.netlab(["down", lab])).code).toBe(0);
    t.labs.clear();
    expect(await t.sb.snapshot()).toEqual(t.before); // the server went with its group
  });
});

