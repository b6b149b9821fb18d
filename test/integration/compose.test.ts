// A Docker Compose file as a lab, for real: validate, --dry-run, up, test, down by the file's
// own name (the project named after its directory, as Compose does), and nothing left behind.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IS_ROOT, NETLAB, Sandbox, type Snapshot } from "./sandbox.js";

describe.skipIf(!IS_ROOT)("docker-compose.yml", () => {
  let sb: Sandbox;
  let before: Snapshot;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    sb = await Sandbox.create();
    before = await sb.snapshot();
    dir = mkdtempSync(join(tmpdir(), "netlab-compose-"));
    mkdirSync(join(dir, "shop"));
    file = join(dir, "shop", "docker-compose.yml");
    // The shipped example without its name: the project is named after the directory, "shop".
    writeFileSync(file, readFileSync(new URL("../../labs/compose.yml", import.meta.url), "utf8").replace(/^name: compose\n/m, ""));
  });
  afterAll(async () => {
    await sb.netlab(["down", file]);
    expect(await sb.snapshot()).toEqual(before);
    await sb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("validate and --dry-run read it, warn about image/build by line, and touch nothing", async () => {
    const v = await sb.netlab(["validate", file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/shop — 3 nodes, 2 networks, 6 checks/);
    expect(v.stderr).toMatch(/warning: .*docker-compose\.yml:\d+:5: services\.proxy\.image: not read by netlab/);
    const d = await sb.netlab(["up", file, "--dry-run"]);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain("link add shop-backend type bridge");
    expect(d.stdout).toContain("setsid sh -c 'netlab serve http --port 5432'");
    expect(await sb.snapshot()).toEqual(before);
  });

  it("up, test (Docker's names, isolation, the internal network, the published port) and down, all by the file", async () => {
    const up = await sb.netlab(["up", file]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/shop is up/);
    const t = await sb.netlab(["test", file]);
    expect(t.stdout).toMatch(/6 passed, 0 failed/);
    // What a student would try: the alias from the app, and the proxy through the published port.
    expect((await sb.exec("shop", "app", "getent hosts database")).stdout).toMatch(/^172\.29\.0\.10\s+database/);
    expect((await sb.sh("curl -s -m 2 http://127.0.0.1:8080/")).stdout).toMatch(/hello from proxy/);
    expect((await sb.exec("shop", "db", "ip route")).stdout).not.toMatch(/default/);
    const down = await sb.netlab(["down", file]);
    expect(down.code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });

  it("up through a pipe that closes early (| head -1) still finishes: the lab is whole, then goes down", async () => {
    const r = await sb.sh(`${NETLAB} up ${file} 2>&1 | head -1`);
    expect(r.stdout).toMatch(/^warning: .*services\.proxy\.image/);
    expect((await sb.netlab(["test", file])).stdout).toMatch(/6 passed, 0 failed/);
    expect((await sb.netlab(["down", file])).code).toBe(0);
    expect(await sb.snapshot()).toEqual(before);
  });
});
