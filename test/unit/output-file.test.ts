// output-file.ts: every file a user names for netlab to write. Links someone else planted are
// never followed (at the end of the path or on the way), existing files are written only when
// they are ordinary and trusted, and files netlab creates belong to the user sudo ran it for.
// Some cases need root (a link owned by another user can only be made by root or that user).
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, linkSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { invokingUser, openOutput, writeOutput } from "../../src/output-file.js";

const ROOT = process.geteuid?.() === 0;
const NOBODY = 65534;

describe("output-file", () => {
  let dir: string;
  let victim: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "netlab-out-"));
    victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.SUDO_UID;
    delete process.env.SUDO_GID;
  });
  /** A link as if user `uid` had made it (root only). */
  const planted = (target: string, at: string, uid = NOBODY) => {
    symlinkSync(target, at);
    lchownSync(at, uid, uid);
    return at;
  };

  it("creates a file with exactly the content; refuses an existing one without overwrite; empties it with", () => {
    const f = join(dir, "out.xml");
    writeOutput(f, "a long first version\n", { overwrite: false });
    expect(() => writeOutput(f, "x", { overwrite: false, existsHint: "add --force" })).toThrow(/out\.xml already exists/);
    writeOutput(f, "short", { overwrite: true });
    expect(readFileSync(f, "utf8")).toBe("short");
    expect(() => writeOutput(join(dir, "nope", "x"), "x", { overwrite: true })).toThrow(/directory .*nope does not exist/);
    expect(() => writeOutput(`${dir}/`, "x", { overwrite: true })).toThrow(/names a directory/);
  });

  it("makes missing directories when asked, and follows links of its own", () => {
    writeOutput(join(dir, "a/b/c.yaml"), "x", { overwrite: false, mkdirs: true });
    expect(readFileSync(join(dir, "a/b/c.yaml"), "utf8")).toBe("x");
    symlinkSync(join(dir, "a"), join(dir, "mine"));
    symlinkSync("b/c.yaml", join(dir, "a/link"));
    const o = writeOutput(join(dir, "mine/link"), "through my own links", { overwrite: true });
    expect(o.path).toBe(join(dir, "a/b/c.yaml"));
    expect(readFileSync(join(dir, "a/b/c.yaml"), "utf8")).toBe("through my own links");
  });

  it("a FIFO or a file with two names is refused at once", () => {
    execFileSync("mkfifo", [join(dir, "fifo")]);
    expect(() => writeOutput(join(dir, "fifo"), "x", { overwrite: true })).toThrow(/will not write/);
    linkSync(victim, join(dir, "hard"));
    expect(() => writeOutput(join(dir, "hard"), "x", { overwrite: true })).toThrow(/has 2 names \(hard links\)/);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });

  it("/dev/null can be written", () => {
    writeOutput("/dev/null", "x", { overwrite: true });
  });

  describe.skipIf(!ROOT)("as root, against another user", () => {
    it("a link another user planted is not followed, to a file or to nowhere; with overwrite or without", () => {
      chmodSticky(dir);
      const at = planted(victim, join(dir, "out.svg"));
      for (const overwrite of [true, false]) expect(() => writeOutput(at, "pwned", { overwrite })).toThrow(overwrite ? /out\.svg: it is a symbolic link owned by uid 65534, not by root/ : /already exists \(a symbolic link/);
      expect(readFileSync(victim, "utf8")).toBe("precious\n");
      const dangling = planted(join(dir, "created-by-root"), join(dir, "lab.yaml"));
      for (const overwrite of [true, false]) expect(() => writeOutput(dangling, "pwned", { overwrite, mkdirs: true })).toThrow(/will not write|already exists/);
      expect(existsSync(join(dir, "created-by-root"))).toBe(false);
    });

    it("nor is a directory link another user planted on the way", () => {
      mkdirSync(join(dir, "etc"));
      planted(join(dir, "etc"), join(dir, "d"));
      expect(() => writeOutput(join(dir, "d/passwd"), "x", { overwrite: true })).toThrow(/d is a symbolic link owned by uid 65534, not by root/);
      expect(() => writeOutput(join(dir, "d/new/x"), "x", { overwrite: false, mkdirs: true })).toThrow(/not by root/);
      expect(existsSync(join(dir, "etc/passwd"))).toBe(false);
    });

    it("root's own links are followed", () => {
      symlinkSync(join(dir, "real.dot"), join(dir, "root-link"));
      writeOutput(join(dir, "root-link"), "x", { overwrite: true });
      expect(readFileSync(join(dir, "real.dot"), "utf8")).toBe("x");
    });

    it("an existing file of another user is not written (they could read or change it)", () => {
      const f = join(dir, "theirs.pcap");
      writeFileSync(f, "theirs");
      lchownSync(f, NOBODY, NOBODY);
      expect(() => writeOutput(f, "captured traffic", { overwrite: true })).toThrow(/belongs to uid 65534/);
      expect(readFileSync(f, "utf8")).toBe("theirs");
      // unless that user is the one sudo ran netlab for
      process.env.SUDO_UID = process.env.SUDO_GID = String(NOBODY);
      writeOutput(f, "mine", { overwrite: true });
      expect(readFileSync(f, "utf8")).toBe("mine");
    });

    it("files and directories netlab creates belong to SUDO_UID:SUDO_GID; existing ones keep their owner", () => {
      process.env.SUDO_UID = "1234";
      process.env.SUDO_GID = "2345";
      expect(invokingUser()).toEqual({ uid: 1234, gid: 2345 });
      const o = openOutput(join(dir, "new/sub/report.xml"), { overwrite: false, mkdirs: true });
      closeSync(o.fd);
      for (const p of ["new", "new/sub", "new/sub/report.xml"]) expect([statSync(join(dir, p)).uid, statSync(join(dir, p)).gid]).toEqual([1234, 2345]);
      writeOutput(victim, "x", { overwrite: true });
      expect(lstatSync(victim).uid).toBe(0);
      process.env.SUDO_UID = "0";
      expect(invokingUser()).toBeNull();
      process.env.SUDO_UID = "12a";
      expect(invokingUser()).toBeNull();
    });
  });
});

function chmodSticky(d: string) {
  execFileSync("chmod", ["1777", d]);
}
