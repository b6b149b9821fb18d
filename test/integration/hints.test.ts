// The commands netlab suggests run as printed (issue 18, item 1): `sudo netlab …` finds the
// `netlab` that scripts/setup.sh linked into /usr/local/bin, on sudo's secure_path.
import { realpathSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/proc.js";
import { IS_ROOT, NETLAB, sandboxEach } from "./sandbox.js";

describe.skipIf(!IS_ROOT)("printed hints", () => {
  const t = sandboxEach();

  it("sudo finds netlab, and it is this checkout's (scripts/setup.sh links it)", async () => {
    const r = await run(["sudo", "sh", "-c", "command -v netlab"]);
    expect(r.code, "no `netlab` on sudo's PATH: run sudo scripts/setup.sh").toBe(0);
    expect(realpathSync(r.stdout.trim())).toBe(realpathSync(NETLAB));
  });

  it("every hint `up`, `test` and `down` print runs as printed", async () => {
    t.labs.add("bridge-lab");
    const up = await t.sb.netlab(["up", "bridge-lab"]);
    const hints = (out: string) => [...out.matchAll(/(?:try|check it|look closer): (sudo netlab [^\n]*?)(?:\s{2,}|\n|$)/g)].map((m) => m[1]);
    const fromUp = hints(up.stdout);
    expect(fromUp.length).toBeGreaterThanOrEqual(2);
    for (const h of fromUp) {
      const r = await t.sb.sh(h);
      expect(`${h}: exit ${r.code} ${r.stderr}`).toBe(`${h}: exit 0 `);
    }
    const down = /tear down: (sudo netlab down \S+)/.exec(up.stdout)?.[1];
    expect(down).toBe("sudo netlab down bridge-lab");
    expect((await t.sb.sh(down!)).code).toBe(0);
    t.labs.delete("bridge-lab");
    expect(await t.sb.snapshot()).toEqual(t.before);
  });

  it("the try: hint of each of several shipped labs reaches what it pings", async () => {
    for (const lab of ["veth-pair", "three-networks", "nat-internet", "dns-bridges"]) {
      t.labs.add(lab);
      const up = await t.sb.netlab(["up", lab]);
      const hint = /try: (sudo netlab [^\n]*)/.exec(up.stdout)?.[1];
      expect(hint, `${lab} printed no hint`).toBeDefined();
      const r = await t.sb.sh(hint!);
      expect(`${lab}: ${hint}: exit ${r.code}`).toBe(`${lab}: ${hint}: exit 0`);
      expect((await t.sb.netlab(["down", lab])).code).toBe(0);
      t.labs.delete(lab);
    }
    expect(await t.sb.snapshot()).toEqual(t.before);
  });
});

