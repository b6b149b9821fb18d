// What the kernel was seen to have, kept for its boot (runtime/kernel-seen.ts): only in the
// user's own cache directory, only what it has, one file for this boot, none left of earlier ones.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keepSeen, seenThisBoot } from "../../src/runtime/kernel-seen.js";

const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "netlab-seen-test-"));
  process.env.NETLAB_COMPILE_CACHE = dir;
});
afterEach(() => {
  delete process.env.NETLAB_COMPILE_CACHE;
  rmSync(dir, { recursive: true, force: true });
});

describe("the kernel's features seen this boot", () => {
  it("keeps them in this boot's file, adds to them, and removes an earlier boot's", () => {
    writeFileSync(join(dir, "kernel-00000000-0000-0000-0000-000000000000.json"), '["vlan"]');
    writeFileSync(join(dir, "kernel-notes.json"), "{}"); // not netlab's: left alone
    expect(seenThisBoot()).toEqual([]);
    keepSeen(["veth", "bridge"]);
    keepSeen(["vxlan"]);
    expect(seenThisBoot()).toEqual(["bridge", "veth", "vxlan"]);
    expect(readdirSync(dir).sort()).toEqual([`kernel-${boot}.json`, "kernel-notes.json"].sort());
  });

  it("trusts no directory others can write, and no file that is not a list of names", () => {
    chmodSync(dir, 0o777);
    keepSeen(["veth"]);
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, `kernel-${boot}.json`), '["veth"]');
    expect(seenThisBoot()).toEqual([]); // planted in a shared directory: not read
    chmodSync(dir, 0o700);
    writeFileSync(join(dir, `kernel-${boot}.json`), '{"veth": true}');
    expect(seenThisBoot()).toEqual([]);
    writeFileSync(join(dir, `kernel-${boot}.json`), "not json");
    expect(seenThisBoot()).toEqual([]);
  });
});
