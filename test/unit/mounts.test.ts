import { describe, expect, it } from "vitest";
import { coveringMount, parseMountinfo } from "../../src/runtime/mounts.js";

// Lines as proc(5) shows them: after `ip netns add` in a private root (shared:12 on /run/netns),
// and inside the slave `ip netns exec` makes (master:12).
const host = `26 1 254:0 / / rw,relatime - ext4 /dev/vda rw
50 26 0:45 / /run/netns rw,nosuid shared:12 - tmpfs tmpfs rw
51 50 0:4 net:[4026532301] /run/netns/a\\040b rw shared:12 - nsfs nsfs rw`;
const slave = `70 69 254:0 / / rw,relatime master:1 - ext4 /dev/vda rw
71 70 0:45 / /run/netns rw,nosuid master:12 - tmpfs tmpfs rw`;

describe("mountinfo", () => {
  it("reads mount points and peer groups", () => {
    const m = parseMountinfo(host);
    expect(m[1]).toEqual({ mountPoint: "/run/netns", shared: 12, master: undefined });
    expect(m[2].mountPoint).toBe("/run/netns/a b");
  });
  it("finds the mount that covers a directory (deepest, last mounted)", () => {
    expect(coveringMount(parseMountinfo(host), "/run/netns")?.shared).toBe(12);
    expect(coveringMount(parseMountinfo(slave), "/run/netns")?.master).toBe(12);
    expect(coveringMount(parseMountinfo(host), "/run/netlab")?.mountPoint).toBe("/");
    expect(coveringMount(parseMountinfo(host), "/run/netnsx")?.mountPoint).toBe("/");
  });
});
