// A throwaway network namespace that plays "the host" for a lab, so that tests never
// change this machine's own namespace — and a snapshot of everything a test must leave
// exactly as it found it.
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { run, type Result } from "../../src/runtime/proc.js";

export const IS_ROOT = process.getuid?.() === 0;
export const NETLAB = resolve(import.meta.dirname, "../../bin/netlab");
let counter = 0;

export class Sandbox {
  private constructor(readonly name: string) {}

  static async create(): Promise<Sandbox> {
    const name = `nlt${process.pid % 100000}-${counter++}`;
    const r = await run(["ip", "netns", "add", name]);
    if (r.code !== 0) throw new Error(`cannot create sandbox: ${r.stderr}`);
    await run(["ip", "-n", name, "link", "set", "lo", "up"]);
    return new Sandbox(name);
  }

  /** `ip netns exec SANDBOX bin/netlab ARGS` — how a user would run it inside a sandbox. */
  netlab(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
    return run(["ip", "netns", "exec", this.name, NETLAB, ...args], opts.input, { ...process.env, NO_COLOR: "1", ...opts.env });
  }

  /** A shell command inside the sandbox itself (the lab's host namespace). */
  sh(cmd: string): Promise<Result> {
    return run(["ip", "netns", "exec", this.name, "sh", "-c", cmd]);
  }

  /** A command inside a node (or host) of a lab that is up, through `netlab exec`. */
  exec(lab: string, node: string, cmd: string): Promise<Result> {
    return this.netlab(["exec", lab, node, "--", "sh", "-c", cmd]);
  }

  async destroy(): Promise<void> {
    await run(["ip", "netns", "delete", this.name]);
  }

  /** Everything a lab may touch: global names, the sandbox's kernel state, processes. */
  async snapshot(): Promise<Snapshot> {
    const inSb = (argv: string[]) => run(["ip", "netns", "exec", this.name, ...argv]).then((r) => r.stdout);
    const [links, addrs, routes, routes6, rules, ipt, ip6t, rootLinks, rootIpt] = await Promise.all([
      inSb(["ip", "-o", "link", "show"]),
      inSb(["ip", "-o", "address", "show"]),
      inSb(["ip", "route", "show", "table", "all"]),
      inSb(["ip", "-6", "route", "show", "table", "all"]),
      inSb(["ip", "rule", "show"]),
      inSb(["iptables-save"]),
      inSb(["ip6tables-save"]),
      run(["ip", "-o", "link", "show"]).then((r) => r.stdout),
      run(["iptables-save"]).then((r) => r.stdout),
    ]);
    const sysctls = await inSb(["sysctl", "-n", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.all.route_localnet"]);
    return {
      netns: listDir("/run/netns").filter((n) => !n.startsWith("nlt")),
      etcNetns: existsSync("/etc/netns") ? listDir("/etc/netns") : null,
      runNetlab: existsSync("/run/netlab") ? listDir("/run/netlab") : null,
      shmNetlab: existsSync("/dev/shm/netlab") ? listDir("/dev/shm/netlab") : null,
      sandbox: {
        links: linkNames(links),
        // The kernel's own IPv6 link-local addresses come and go (DAD) on its schedule: not ours to compare.
        addrs: addrs.split("\n").filter((l) => !/inet6 fe80:/.test(l)).map((l) => l.replace(/\s+valid_lft.*$/, "").replace(/^\d+:\s+/, "")).filter(Boolean).sort(),
        routes: (routes + routes6).split("\n").filter((l) => l && !/fe80:|ff00::\/8/.test(l)).sort(),
        rules,
        iptables: rulesOnly(ipt),
        ip6tables: rulesOnly(ip6t),
        sysctls: sysctls.trim(),
      },
      root: { links: linkNames(rootLinks), iptables: rulesOnly(rootIpt) },
      processes: netlabProcesses(),
    };
  }
}

export interface Snapshot {
  netns: string[];
  etcNetns: string[] | null;
  runNetlab: string[] | null;
  sandbox: Record<string, unknown>;
  root: Record<string, unknown>;
  processes: string[];
}

function listDir(d: string): string[] {
  try {
    return readdirSync(d).sort();
  } catch {
    return [];
  }
}

function linkNames(out: string): string[] {
  return out.split("\n").map((l) => l.split(": ")[1]?.split("@")[0]).filter(Boolean).sort();
}

function rulesOnly(save: string): string[] {
  return save.split("\n").filter((l) => l.startsWith("-") || (l.startsWith(":") && !/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT/.test(l)) || l.startsWith("*")).map((l) => l.replace(/\[\d+:\d+\]/, ""));
}

/** Processes netlab started (they carry NETLAB_LAB), and any process in a namespace nobody can name any more. */
export function netlabProcesses(): string[] {
  const named = new Set<string>();
  for (const n of listDir("/run/netns")) {
    try {
      named.add(`net:[${statSync(`/run/netns/${n}`).ino}]`);
    } catch {
      /* stale */
    }
  }
  const rootNs = readlinkSync("/proc/self/ns/net");
  const out: string[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const env = readFileSync(`/proc/${p}/environ`, "utf8");
      const ns = readlinkSync(`/proc/${p}/ns/net`);
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (env.includes("NETLAB_LAB=") && !cmd.includes("vitest")) out.push(`${cmd} (${ns})`);
      else if (ns !== rootNs && !named.has(ns)) out.push(`orphaned namespace ${ns}: ${cmd}`);
    } catch {
      /* exited, or a kernel thread */
    }
  }
  return out.sort();
}

/** Wait until `probe` passes (services take a moment to listen). */
export async function eventually(probe: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return probe();
}

/** For each test of a describe: a fresh sandbox, its snapshot before, and the labs to take down afterwards. */
export function sandboxEach(): { sb: Sandbox; before: Snapshot; labs: Set<string> } {
  const t = { labs: new Set<string>() } as { sb: Sandbox; before: Snapshot; labs: Set<string> };
  beforeEach(async () => {
    t.sb = await Sandbox.create();
    t.before = await t.sb.snapshot();
  });
  afterEach(async () => {
    for (const l of t.labs) await t.sb.netlab(["down", l]);
    t.labs.clear();
    await t.sb.destroy();
  });
  return t;
}

/** Writes lab files into a fresh temporary directory (readable by all: tests run netlab as other users too). */
export function labFiles(prefix: string): { dir: string; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, write: (name, text) => { const f = join(dir, `${name}.yaml`); writeFileSync(f, text); return f; } };
}
