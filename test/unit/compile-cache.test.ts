// bin/netlab's cached code (docs/startup.md): the bundle runs the same as tsc's modules with or
// without it, a damaged or truncated cache file is never handed to V8 (it would crash), a run
// that fails writes none, and a directory others can write is not used at all. No root needed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import * as zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";

const NETLAB = resolve(import.meta.dirname, "../../bin/netlab");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function cacheDir(mode = 0o700): string {
  const d = mkdtempSync(join(tmpdir(), "netlab-cc-test-"));
  chmodSync(d, mode);
  dirs.push(d);
  return d;
}
const netlab = (args: string[], env: Record<string, string>) => {
  const r = spawnSync(NETLAB, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const files = (d: string) => readdirSync(d).filter((f) => f.endsWith(".v8"));
/** bin/netlab's check of a cached file: zlib's CRC-32, or SHA-256's first 32 bits on a Node without it. */
const check = (b: Buffer): number => (zlib as { crc32?: (b: Buffer) => number }).crc32?.(b) ?? createHash("sha256").update(b).digest().readUInt32BE(0);

describe("bin/netlab's compiled-code cache", () => {
  it("runs as tsc's modules do, writes one file per command once, and reads it after", () => {
    const d = cacheDir();
    const plain = netlab(["validate", "bridge-lab"], { NETLAB_BUNDLE: "0", NETLAB_COMPILE_CACHE: d });
    expect(plain.code).toBe(0);
    expect(files(d)).toEqual([]); // tsc's modules keep no cache of their own
    const first = netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: d });
    expect(first).toEqual(plain);
    expect(files(d)).toHaveLength(1);
    expect(files(d)[0]).toMatch(/-validate\.v8$/);
    const written = statSync(join(d, files(d)[0])).mtimeMs;
    expect(netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: d })).toEqual(plain);
    expect(statSync(join(d, files(d)[0])).mtimeMs).toBe(written); // accepted: not written again
  });

  it("never hands V8 a damaged or truncated file: the run is the same, and the file is written anew", () => {
    const d = cacheDir();
    const plain = netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: d });
    const f = join(d, files(d)[0]);
    const good = readFileSync(f);
    for (const bad of [Buffer.concat([good.subarray(0, good.length >> 1), Buffer.alloc(good.length - (good.length >> 1), 0x5a)]), good.subarray(0, 1000)]) {
      writeFileSync(f, bad);
      expect(netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: d })).toEqual(plain);
      // Written anew: a file whose first 4 bytes are its data's check again.
      const now = readFileSync(f);
      expect(check(now.subarray(4))).toBe(now.readUInt32BE(0));
    }
  });

  it("never runs a bundle's old code after an edit by hand that keeps its length and first line", () => {
    // A copy of the install: bin/netlab, the bundle, what it stats and reads beside it.
    const root = cacheDir();
    for (const d of ["bin", "dist/bundle", "dist/cli"]) mkdirSync(join(root, d), { recursive: true });
    const repo = resolve(import.meta.dirname, "../..");
    for (const f of ["bin/netlab", "bin/package.json", "package.json", "dist/cli/main.js", "dist/bundle/main.cjs"]) copyFileSync(join(repo, f), join(root, f));
    symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
    chmodSync(join(root, "bin/netlab"), 0o755);
    const run = () => spawnSync(join(root, "bin/netlab"), ["validate", join(repo, "labs/bridge-lab.yaml")], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", NETLAB_COMPILE_CACHE: d } }).stdout;
    const d = cacheDir();
    expect(run()).toContain(" 1 network,");
    expect(run()).toContain(" 1 network,"); // from the cache
    const bundle = join(root, "dist/bundle/main.cjs");
    const text = readFileSync(bundle, "latin1");
    expect(text).toContain(" network${");
    writeFileSync(bundle, text.replaceAll(" network${", " NETWORK${"), "latin1"); // same length, same first line
    expect(run()).toContain(" 1 NETWORK,");
  });

  it("keeps a cache on a Node without zlib's CRC-32 (before 20.15), checked by SHA-256's first 32 bits", () => {
    const d = cacheDir();
    const pre = join(d, "no-crc32.cjs");
    writeFileSync(pre, "delete require('node:zlib').crc32;\n");
    const env = { NETLAB_COMPILE_CACHE: d, NODE_OPTIONS: `--require ${pre}` };
    const first = netlab(["validate", "bridge-lab"], env);
    expect(first.code).toBe(0);
    const f = join(d, files(d)[0]);
    const data = readFileSync(f);
    expect(createHash("sha256").update(data.subarray(4)).digest().readUInt32BE(0)).toBe(data.readUInt32BE(0));
    const written = statSync(f).mtimeMs;
    expect(netlab(["validate", "bridge-lab"], env)).toEqual(first);
    expect(statSync(f).mtimeMs).toBe(written); // accepted: not written again
  });

  it("removes other installs' files not written for two weeks when it writes its own, and keeps newer ones", () => {
    const d = cacheDir();
    const stale = join(d, "0123abcd-00-11.3-validate.v8");
    const fresh = join(d, "4567abcd-00-11.3-validate.v8");
    for (const f of [stale, fresh, `${stale}.123`]) writeFileSync(f, "x");
    const weeksAgo = new Date(Date.now() - 15 * 86400e3);
    utimesSync(stale, weeksAgo, weeksAgo);
    utimesSync(`${stale}.123`, weeksAgo, weeksAgo);
    expect(netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: d }).code).toBe(0);
    const left = readdirSync(d);
    expect(left).toHaveLength(2);
    expect(left).toContain(basename(fresh));
    expect(left.filter((f) => f !== basename(fresh))[0]).toMatch(/-validate\.v8$/);
  });

  it("writes nothing for a run that fails, nor in a directory others can write", () => {
    const d = cacheDir();
    const bad = netlab(["validat", "bridge-lab"], { NETLAB_COMPILE_CACHE: d });
    expect(bad.code).not.toBe(0);
    expect(files(d)).toEqual([]);
    // A directory where the cache file would go: nothing written, nothing left aside either.
    const taken = cacheDir();
    netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: taken });
    const name = files(taken)[0];
    rmSync(join(taken, name));
    mkdirSync(join(taken, name));
    expect(netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: taken }).code).toBe(0);
    expect(readdirSync(taken)).toEqual([name]);
    const shared = cacheDir(0o777);
    expect(netlab(["validate", "bridge-lab"], { NETLAB_COMPILE_CACHE: shared }).code).toBe(0);
    expect(files(shared)).toEqual([]);
  });
});
