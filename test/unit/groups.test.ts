// Whether a process group runs (runtime/groups.ts): down waits on it, and kills what it says lives.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { groupLives, livingGroups } from "../../src/runtime/groups.js";

describe("groupLives", () => {
  it("a running group lives; once killed and reaped it does not", async () => {
    const c = spawn("sleep", ["5"], { detached: true, stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 50));
    expect(groupLives(c.pid!)).toBe(true);
    process.kill(-c.pid!, "SIGKILL");
    await new Promise((r) => c.on("exit", r));
    await new Promise((r) => setTimeout(r, 50));
    expect(groupLives(c.pid!)).toBe(false);
  });

  it("a group that never was does not live", () => {
    expect(groupLives(2 ** 22 - 3)).toBe(false);
  });

  it("several groups in one read of /proc: the living ones only", async () => {
    const [a, b] = [0, 1].map(() => spawn("sleep", ["5"], { detached: true, stdio: "ignore" }));
    await new Promise((r) => setTimeout(r, 50));
    expect([...livingGroups([a.pid!, b.pid!, 2 ** 22 - 3])].sort()).toEqual([a.pid!, b.pid!].sort());
    process.kill(-a.pid!, "SIGKILL");
    await new Promise((r) => a.on("exit", r));
    await new Promise((r) => setTimeout(r, 50));
    expect([...livingGroups([a.pid!, b.pid!])]).toEqual([b.pid!]);
    process.kill(-b.pid!, "SIGKILL");
  });
});
