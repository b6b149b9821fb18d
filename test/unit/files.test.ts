// `files:` and the name files: one directory per node or per shared pair that no node name can
// alias, undo that removes only netlab's own links, validation of what `up` could not write,
// and --dry-run writing the very bytes `up` writes.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labFromText } from "../../src/lab/load.js";
import { compile } from "../../src/plan/compile.js";
import type { Op } from "../../src/plan/ops.js";
import { renderOp, runOp } from "../../src/runtime/ops/index.js";
import type { Context } from "../../src/runtime/context.js";
import { problems } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "netlab-files-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ctx = {} as Context;

function etcStep(yaml: string) {
  const lab = labFromText(yaml);
  return compile(lab, { stateDir: `/run/netlab/${lab.name}`, filesDir: `/dev/shm/netlab/${lab.name}` }).phases.flatMap((p) => p.steps).find((s) => s.id === "etc-netns")!;
}

describe("name files: one directory each, never one another's", () => {
  it("a node named shared-1 does not get the directory nodes with identical files share", () => {
    const step = etcStep('name: x\nnodes:\n  a: {}\n  b: {}\n  shared-1: { files: { "/etc/bird/bird.conf": "secret" } }\n');
    const target = (ns: string) => step.ops.find((o): o is Extract<Op, { op: "symlink" }> => o.op === "symlink" && o.path === `/etc/netns/${ns}`)!.target;
    expect(target("x-a")).toBe(target("x-b"));
    expect(target("x-shared-1")).not.toBe(target("x-a"));
    // Every directory is either one node's or shared, and a node's holds only its own files.
    const dirs = step.ops.flatMap((o) => (o.op === "symlink" ? [o.target] : []));
    expect(new Set(dirs).size).toBe(2);
    const secret = step.ops.find((o) => o.op === "write" && o.content === "secret");
    expect(secret).toMatchObject({ path: `${target("x-shared-1")}/bird/bird.conf` });
  });
});

describe("undo removes only what netlab made", () => {
  it("rm with link: its own link goes; a directory, a file or another link in its place stays", async () => {
    const own = join(tmp, "own"), dir = join(tmp, "dir"), other = join(tmp, "other"), file = join(tmp, "file");
    symlinkSync("/dev/shm/netlab/x/nodes/a", own);
    mkdirSync(dir);
    writeFileSync(join(dir, "root-s-file"), "keep");
    symlinkSync("/somewhere/else", other);
    writeFileSync(file, "keep");
    for (const path of [own, dir, other, file, join(tmp, "absent")]) await runOp({ op: "rm", path, link: "/dev/shm/netlab/x/nodes/a" }, ctx);
    expect(existsSync(own)).toBe(false);
    expect(readFileSync(join(dir, "root-s-file"), "utf8")).toBe("keep");
    expect(readlinkSync(other)).toBe("/somewhere/else");
    expect(readFileSync(file, "utf8")).toBe("keep");
  });
  it("the dry-run form of that undo does the same in sh", () => {
    const dir = join(tmp, "dir2");
    mkdirSync(dir);
    execFileSync("sh", ["-c", renderOp({ op: "rm", path: dir, link: "/dev/shm/netlab/x/nodes/a" })]);
    expect(existsSync(dir)).toBe(true);
  });
  it("a link is not made over a directory that is there: up stops and the directory stays", async () => {
    const dir = join(tmp, "netns-entry");
    mkdirSync(dir);
    writeFileSync(join(dir, "hosts"), "root's own");
    await expect(runOp({ op: "symlink", path: dir, target: join(tmp, "files") }, ctx)).rejects.toThrow(/already exists and is not a link netlab made/);
    expect(readFileSync(join(dir, "hosts"), "utf8")).toBe("root's own");
  });
});

describe("validate refuses files up could not write", () => {
  it("a file and a directory of the same name, at the second of the two", () => {
    expect(problems('name: x\nnodes:\n  a:\n    files:\n      /etc/bird: "x"\n      /etc/bird/bird.conf: "y"\n')).toEqual([
      'lab.yaml:6:7: nodes.a.files["/etc/bird/bird.conf"]: /etc/bird is a file, and /etc/bird/bird.conf needs it to be a directory\n  hint: a name is either a file or a directory: rename one of the two',
    ]);
    expect(problems('name: x\nnodes:\n  a:\n    files:\n      /etc/b/c/d: "x"\n      /etc/b/c: "y"\n')[0]).toMatch(/^lab\.yaml:6:7: nodes\.a\.files\["\/etc\/b\/c"\]: \/etc\/b\/c is a file, and \/etc\/b\/c\/d needs it/);
    // Different nodes have different directories: no clash.
    expect(() => labFromText('name: x\nnodes:\n  a: { files: { /etc/b: "x" } }\n  c: { files: { /etc/b/c: "y" } }\n')).not.toThrow();
  });
  it("a name longer than NAME_MAX, a path longer than the kernel takes, a directory named hosts", () => {
    expect(problems(`name: x\nnodes:\n  a: { files: { /etc/bird/${"n".repeat(300)}: "x" } }\n`)[0]).toMatch(/^lab\.yaml:3:17: nodes\.a\.files\["\/etc\/bird\/n+"\]: the name n{24}… is 300 bytes long; a file name has at most 255 \(NAME_MAX\)/);
    expect(() => labFromText(`name: x\nnodes:\n  a: { files: { /etc/bird/${"n".repeat(255)}: "x" } }\n`)).not.toThrow();
    expect(problems(`name: x\nnodes:\n  a: { files: { /etc/${`${"d".repeat(200)}/`.repeat(20)}f: "x" } }\n`)[0]).toMatch(/is 4026 bytes long; a path in files: has at most 4000/);
    expect(problems('name: x\nnodes:\n  a: { files: { /etc/hosts/x: "y" } }\n')[0]).toMatch(/\/etc\/hosts is written by netlab/);
  });
});

describe("--dry-run writes the bytes up writes", () => {
  const contents = ["no newline at the end", "", "two\n\n", "tabs\tand\r\ncrlf\r\n", "back\\slash %d %s \\n \\000 'quote' \"dq\" $HOME `x`", "nul\u0000 1 then digit\u00001", "EOF\nEOF_\n", "ünïcödé ✓\n", "-starts with a dash"];
  for (const [i, content] of contents.entries())
    it(JSON.stringify(content).slice(0, 40), async () => {
      const byUp = join(tmp, `up-${i}`, "f"), byScript = join(tmp, `sh-${i}`, "f");
      await runOp({ op: "write", path: byUp, content }, ctx);
      execFileSync("sh", ["-ec", renderOp({ op: "write", path: byScript, content })]);
      expect(readFileSync(byScript).equals(readFileSync(byUp))).toBe(true);
      expect(readFileSync(byUp).equals(Buffer.from(content))).toBe(true);
    });
});
