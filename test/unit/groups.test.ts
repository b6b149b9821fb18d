// Whether a process group runs (runtime/groups.ts): down waits on it, and kills what it says lives.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { groupLives } from "../../src/runtime/groups.js";

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
});
