// An `up` of a lab that is up from the very same files (issue 23, src/unchanged.ts) is answered
// from the record of what it was loaded from, without loading it again — and only then: an edit,
// another --isolated, or something removed by hand takes the long way, which decides as before.
import { rmSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { IS_ROOT, labFiles, NETLAB, sandboxEach } from "./sandbox.js";

const { dir, write } = labFiles("netlab-unchanged-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHORT = "up and unchanged, by the record of its files";
const LAB = "name: same\nnetworks:\n  br0: { subnet: 172.31.7.0/24 }\nnodes:\n  a: { networks: [br0] }\n  b: { networks: [br0] }\n";

describe.skipIf(!IS_ROOT)("up of the same files", () => {
  const t = sandboxEach();

  it("is answered from the record of them; an edit, another --isolated or a removal by hand goes the long way", async () => {
    t.labs.add("same");
    const file = write("same", LAB);
    const up = (...args: string[]) => t.sb.netlab(["up", ...args], { env: { NETLAB_TIMING: "1" } });
    expect((await up(file)).code).toBe(0);
    // The file, and the lab's name for it, as the long way takes them; --json says what it says.
    for (const ref of [file, "same"]) {
      const r = await up(ref);
      expect(r.stdout).toContain("same is already up and unchanged");
      expect(r.stderr).toContain(SHORT);
    }
    const json = JSON.parse((await up(file, "--json")).stdout) as { changed: boolean; nodes: { name: string }[] };
    expect(json.changed).toBe(false);
    expect(json.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    // A comment is another file: unchanged all the same, the long way, which records it for the next up.
    writeFileSync(file, `${LAB}# a comment\n`);
    const commented = await up(file);
    expect(commented.stdout).toContain("already up and unchanged");
    expect(commented.stderr).not.toContain(SHORT);
    expect((await up(file)).stderr).toContain(SHORT);
    // Another --isolated: the long way says what it is.
    expect((await up(file, "--isolated")).stderr).not.toContain(SHORT);
    // An edit: refused as before (apply changes a lab that is up) ...
    const edited = LAB.replace("b: { networks: [br0] }", "b: { networks: [br0] }\n  c: { networks: [br0] }");
    writeFileSync(file, edited);
    const refused = await up(file);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("already up, from a different version");
    // ... and the version apply made is recorded: its up is the short way.
    expect((await t.sb.netlab(["apply", file])).code).toBe(0);
    expect((await up(file)).stderr).toContain(SHORT);
    // The bridge removed by hand: the record is not enough, the long way makes it again.
    await t.sb.sh("ip link delete same-br0");
    const mended = await up(file);
    expect(mended.stdout).toContain("was up but damaged; made again what was missing");
    expect(mended.stderr).not.toContain(SHORT);
    expect((await up(file)).stderr).toContain(SHORT);
    expect((await t.sb.netlab(["down", "same"])).code).toBe(0);
    t.labs.clear();
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("says what the long way says: a cluster's warnings after apply -f, and paths from another directory", async () => {
    t.labs.add("unk");
    const deploy = (n: number) => `{ apiVersion: apps/v1, kind: Deployment, metadata: { name: web }, spec: { replicas: ${n}, selector: { matchLabels: { app: web } }, template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx }] } } } }`;
    const file = write("unk", `name: unk\nhosts: { outside: {} }\nkubernetes:\n  nodes: [node1]\n  manifests:\n    - ${deploy(1)}\n    - { apiVersion: v1, kind: Service, metadata: { name: nobody }, spec: { selector: { app: nobody }, ports: [{ port: 80 }] } }\n`);
    const objects = write("unk-objects", deploy(2));
    const up = (...args: string[]) => t.sb.netlab(["up", ...args], { env: { NETLAB_TIMING: "1" } });
    const said = (r: { stderr: string }) => r.stderr.split("\n").filter((l) => l.startsWith("warning"));
    expect((await up(file, "--isolated")).code).toBe(0);
    expect((await t.sb.netlab(["apply", "unk", "-f", objects])).code).toBe(0);
    const long = await up(file, "--isolated");
    expect(long.stderr).not.toContain(SHORT);
    expect(said(long).join("\n")).toContain("matches no pod");
    const short = await up(file, "--isolated");
    expect(short.stderr).toContain(SHORT);
    expect(said(short)).toEqual(said(long));
    // From another directory the paths in its messages differ: the long way says them.
    const there = await t.sb.sh(`cd / && NETLAB_TIMING=1 NO_COLOR=1 ${NETLAB} up ${file} --isolated 2>&1 >/dev/null`);
    expect(there.stdout).not.toContain(SHORT);
    expect(there.stdout).toContain(`warning: ${file.slice(1)}:`); // relative to /
    expect((await t.sb.netlab(["down", "unk"])).code).toBe(0);
    t.labs.clear();
    expect(await t.sb.snapshot()).toEqual(t.before);
  });
});
