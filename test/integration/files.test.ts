// `files:` for real (issue 24, item 12): a node named like the directory other nodes share does
// not see, nor show, their files; a directory root keeps in /etc/netns is refused by preflight
// and survives the failed `up`.
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, labFiles, sandboxEach } from "./sandbox.js";

const { dir, write: labFile } = labFiles("netlab-files-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!IS_ROOT)("files:", () => {
  const t = sandboxEach();

  it("a node named shared-1 keeps its files to itself; the nodes that share a directory see only theirs", async () => {
    const file = labFile("shared", 'name: fshare\nnodes:\n  a: {}\n  b: {}\n  shared-1:\n    files: { /etc/bird/secret.conf: "only shared-1\\n" }\n');
    t.labs.add("fshare");
    const up = await t.sb.netlab(["up", file]);
    expect(up.code, up.stderr).toBe(0);
    const cat = (node: string) => run(["ip", "netns", "exec", `fshare-${node}`, "cat", "/etc/bird/secret.conf"]);
    expect((await cat("shared-1")).stdout).toBe("only shared-1\n");
    for (const n of ["a", "b"]) expect((await cat(n)).code).not.toBe(0);
    // and every one still has netlab's /etc/hosts
    for (const n of ["a", "b", "shared-1"])
      expect((await run(["ip", "netns", "exec", `fshare-${n}`, "cat", "/etc/hosts"])).stdout).toMatch(/^# Written by netlab for lab fshare/);
    expect((await t.sb.netlab(["down", "fshare"])).code).toBe(0);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("an /etc/netns/<lab>-host directory netlab did not make is refused (exit 3), and left as it was", async () => {
    const file = labFile("iso", 'name: fiso\nisolated: true\nhost:\n  files: { /etc/bird/bird.conf: "router id 1.1.1.1;\\n" }\nnodes:\n  a: {}\n');
    const mine = "/etc/netns/fiso-host";
    const made = !existsSync("/etc/netns");
    mkdirSync(mine, { recursive: true });
    writeFileSync(`${mine}/resolv.conf`, "root's own\n");
    try {
      const up = await t.sb.netlab(["up", file]);
      expect(up.code).toBe(3);
      expect(up.stderr).toMatch(/\/etc\/netns\/fiso-host already exists and lab fiso did not make it/);
      expect(readFileSync(`${mine}/resolv.conf`, "utf8")).toBe("root's own\n");
    } finally {
      rmSync(mine, { recursive: true, force: true });
      if (made && existsSync("/etc/netns")) rmdirSync("/etc/netns");
    }
    expect(existsSync("/run/netns/fiso-host")).toBe(false);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("a file where the machine's /etc has a directory is refused before anything is made (exit 3)", async () => {
    t.labs.add("fkind"); // taken down if it came up after all
    const file = labFile("kind", 'name: fkind\nnodes:\n  a: { files: { /etc/default: "x" } }\n');
    const up = await t.sb.netlab(["up", file]);
    expect(up.code).toBe(3);
    expect(up.stderr).toMatch(/\/etc\/default is a directory on this machine, so a's \/etc\/default cannot be mounted there/);
    expect(await t.sb.snapshot()).toEqual(t.before);
  });
});
