// netlab inside a private mount namespace (a container runtime, systemd's PrivateMounts=, a
// user's own `unshare --mount`): its namespaces' mounts stay inside, where the rest of netlab
// looks for them, whether it runs there directly or through `ip netns exec` (issue 17, item 6).
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, netlabProcesses } from "./sandbox.js";

/** A script run in a fresh private mount namespace with private tmpfs /run/netns, /run/netlab, /dev/shm. */
function inPrivateMounts(body: string) {
  const script = [
    "set -u",
    "mkdir -p /run/netns /run/netlab",
    "mount -t tmpfs tmpfs /run/netns && mount -t tmpfs -o mode=0755 tmpfs /run/netlab && mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
    // What the machine outside sees of /run/netns meanwhile, through the test process's root.
    `outside() { ls /proc/${process.pid}/root/run/netns 2>/dev/null | tr '\\n' ' '; echo; }`,
    body,
  ].join("\n");
  return run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], undefined, { ...process.env, NO_COLOR: "1", NL: NETLAB });
}

/** A directory's entries, or null when it does not exist (an empty one left behind is a leftover too). */
const list = (d: string) => (existsSync(d) ? readdirSync(d).sort() : null);

function rmdirQuiet(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    /* gone already, or not empty: the comparison that follows says which */
  }
}

describe.skipIf(!IS_ROOT)("netlab in a private mount namespace", () => {
  let before: { netns: string[] | null; runNetlab: string[] | null; procs: string[] };
  beforeEach(() => {
    before = { netns: list("/run/netns"), runNetlab: list("/run/netlab"), procs: netlabProcesses() };
  });
  afterEach(() => {
    // The mount points were made on the machine's /run (mkdir is not private): take back what we made.
    if (before.runNetlab === null) rmdirQuiet("/run/netlab");
    if (before.netns === null) rmdirQuiet("/run/netns");
    expect({ netns: list("/run/netns"), runNetlab: list("/run/netlab"), procs: netlabProcesses() }).toEqual(before);
  });

  it("run directly (--isolated): namespaces are mounted inside, never in the machine's /run/netns", async () => {
    const r = await inPrivateMounts(`
      "$NL" up bridge-lab --isolated >/dev/null 2>&1; echo "up=$?"
      echo "inside: $(ls /run/netns | tr '\\n' ' ')"
      echo "outside: $(outside)"
      "$NL" test bridge-lab | tail -1
      "$NL" down bridge-lab >/dev/null 2>&1; echo "down=$?"
      echo "left: $(ls /run/netns /run/netlab | tr '\\n' ' ')"`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("up=0");
    expect(r.stdout).toMatch(/inside: bridge-lab-api bridge-lab-db bridge-lab-host bridge-lab-web/);
    expect(r.stdout).not.toMatch(/outside: .*bridge-lab/);
    expect(r.stdout).toMatch(/7 passed, 0 failed/);
    expect(r.stdout).toContain("down=0");
    expect(r.stdout).toMatch(/left: \/run\/netlab:\s*\/run\/netns:\s*$/m);
  });

  it("through `ip netns exec SANDBOX` inside it: mounts go to the private namespace that launched it", async () => {
    const r = await inPrivateMounts(`
      ip netns add sbx && ip -n sbx link set lo up
      ip netns exec sbx "$NL" up bridge-lab >/dev/null 2>&1; echo "up=$?"
      echo "inside: $(ls /run/netns | tr '\\n' ' ')"
      echo "outside: $(outside)"
      ip netns exec sbx "$NL" test bridge-lab | tail -1
      ip netns exec sbx "$NL" down bridge-lab >/dev/null 2>&1; echo "down=$?"
      ip netns del sbx
      echo "left: $(ls /run/netns /run/netlab | tr '\\n' ' ')"`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("up=0");
    expect(r.stdout).toMatch(/inside: bridge-lab-api bridge-lab-db bridge-lab-web sbx/);
    expect(r.stdout).not.toMatch(/outside: .*(bridge-lab|sbx)/);
    expect(r.stdout).toMatch(/7 passed, 0 failed/);
    expect(r.stdout).toContain("down=0");
    expect(r.stdout).toMatch(/left: \/run\/netlab:\s*\/run\/netns:\s*$/m);
  });
});
