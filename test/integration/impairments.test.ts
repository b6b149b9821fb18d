// Link impairments for real: a rate shaped by tbf measured with a real transfer, netem's
// delay and loss where the kernel has sch_netem (and, where it does not, `up` refusing before
// it touches anything — said plainly, not skipped), all gone after `down`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { missing } from "../../src/runtime/kernel.js";
import { IS_ROOT, Sandbox, type Snapshot } from "./sandbox.js";

const seconds = (out: string) => Number(out.trim().split(/\s+/).pop());

describe.skipIf(!IS_ROOT)("impairments", () => {
  let sb: Sandbox;
  let before: Snapshot;
  beforeEach(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
  });
  afterEach(async () => {
    await sb.netlab(["down", "slow-link"]);
    await sb.netlab(["down", "lossy"]);
    await sb.destroy();
  });

  it("rate: 8mbit makes a 1 MB download take about a second, the unshaped link a moment; inspect shows it; down removes it", async () => {
    expect((await sb.netlab(["up", "slow-link"])).code).toBe(0);
    expect((await sb.netlab(["test", "slow-link"])).code).toBe(0);
    const get = (node: string, addr: string) => sb.exec("slow-link", node, `curl -sS -m 10 -o /dev/null -w '%{size_download} %{time_total}' http://${addr}/bytes/1000000`);
    const slow = await get("branch", "10.20.0.1");
    const fast = await get("office", "10.20.1.1");
    expect(slow.stdout).toMatch(/^1000000 /);
    expect(fast.stdout).toMatch(/^1000000 /);
    // 8 Mbit is one megabyte a second; headers and TCP's start add a little.
    expect(seconds(slow.stdout)).toBeGreaterThan(0.85);
    expect(seconds(slow.stdout)).toBeLessThan(2.5);
    expect(seconds(fast.stdout)).toBeLessThan(0.4);
    const inspect = await sb.netlab(["inspect", "slow-link", "branch", "--json"]);
    const wan = JSON.parse(inspect.stdout).nodes[0].interfaces.find((i: { name: string }) => i.name === "wan0");
    expect(wan.qdisc).toMatch(/^tbf rate 8Mbit/);
    expect((await sb.netlab(["down", "slow-link"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  const lossy = `name: lossy
nodes: { a: {}, b: {} }
links:
  - endpoints: ["a:eth0", "b:eth0"]
    subnet: 10.0.9.0/30
    netem: { delay: 50ms, loss: 50% }
`;
  it("delay and loss: measured where the kernel has sch_netem; refused naming the module where it does not", async () => {
    const lacks = (await missing(["netem"])).length > 0;
    const dir = mkdtempSync(join(tmpdir(), "netlab-lossy-"));
    const file = join(dir, "lossy.yaml");
    writeFileSync(file, lossy);
    const up = await sb.netlab(["up", file]);
    rmSync(dir, { recursive: true, force: true }); // the lab is up (or refused): its file is no longer needed
    if (lacks) {
      console.warn("netem delay/loss: NOT RUN for real — this kernel has no sch_netem; checked instead that up refuses before touching anything");
      expect(up.code).toBe(3);
      expect(up.stderr).toContain("no netem queueing discipline (module sch_netem)");
      expect(up.stderr).toContain("links[0].netem (delay 50ms, loss 50%)");
      expect(await sb.snapshot()).toEqual(before);
      return;
    }
    expect(up.code).toBe(0);
    // 50 ms each way: every answered ping takes at least 100 ms; with 50% loss each way, about a quarter come back.
    const p = await sb.exec("lossy", "a", "ping -n -q -c 40 -i 0.05 -W 1 10.0.9.2; true");
    const rtt = /= [\d.]+\/([\d.]+)\//.exec(p.stdout);
    const received = Number(/(\d+) received/.exec(p.stdout)?.[1]);
    expect(Number(rtt?.[1])).toBeGreaterThanOrEqual(100);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(30);
    expect((await sb.netlab(["down", "lossy"])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });
});
