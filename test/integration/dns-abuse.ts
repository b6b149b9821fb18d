// Tools for attacking a lab's DNS server from inside a sandbox, as an unprivileged local user
// (dns-attack.mjs run as nobody), and for measuring the server meanwhile. Used by
// dns-abuse.test.ts and by the chaos harness's "dns-abuse" trials.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Sandbox } from "./sandbox.js";

export const ATTACK = resolve(import.meta.dirname, "dns-attack.mjs");
export const UPSTREAM = resolve(import.meta.dirname, "../fixtures/dns-upstream.mjs");
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

export interface Attack {
  /** The JSON line the attack prints when it has done its part (null if it printed none). */
  result: Promise<Record<string, unknown> | null>;
  /** Resolves when the attacker has exited. */
  exited: Promise<number>;
  stop(): void;
}

/** `node dns-attack.mjs MODE ARGS` as nobody, inside the sandbox's namespace. */
export function attack(sb: Sandbox, mode: string, args: (string | number)[]): Attack {
  const child = spawn("ip", ["netns", "exec", sb.name, ...NOBODY, process.execPath, ATTACK, mode, ...args.map(String)], { stdio: ["ignore", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout! });
  const result = new Promise<Record<string, unknown> | null>((r) => {
    lines.once("line", (l) => r(JSON.parse(l) as Record<string, unknown>));
    child.once("close", () => r(null));
  });
  const exited = new Promise<number>((r) => child.once("close", (code) => r(code ?? -1)));
  return { result, exited, stop: () => child.kill("SIGKILL") };
}

/** Runs an attack to its end; its JSON line. */
export async function attackOnce(sb: Sandbox, mode: string, args: (string | number)[]): Promise<Record<string, unknown> | null> {
  const a = attack(sb, mode, args);
  await a.exited;
  return a.result;
}

/** The pid of the lab's DNS server (the node process, not its shell) in the sandbox, or null. */
export function dnsServerPid(sb: Sandbox, lab: string): number | null {
  const ns = `net:[${statSync(`/run/netns/${sb.name}`).ino}]`;
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      if (/(^|\/)node$/.test(argv[0]) && argv.includes("dns-server") && argv.includes(lab) && readlinkSync(`/proc/${p}/ns/net`) === ns) return Number(p);
    } catch {
      /* gone */
    }
  }
  return null;
}

/** Resident memory of a process in kB. */
export function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
}

/** How many descriptors a process has open. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * One DNS query to HOST:53 from UDP source port 0, sent by root inside NODE with a raw socket:
 * no unprivileged user can send from port 0 (binding port 0 means "any port"; a raw socket
 * needs CAP_NET_RAW) — but root in a node can, as root in a container can.
 */
export function sendFromPort0(sb: Sandbox, lab: string, node: string, host: string): Promise<{ code: number }> {
  const py = [
    "import socket, struct, random",
    "q = struct.pack('>HHHHHH', random.randrange(65536), 0x0100, 1, 0, 0, 0) + b'\\x06client\\x00' + struct.pack('>HH', 1, 1)",
    "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)",
    `s.sendto(struct.pack('>HHHH', 0, 53, 8 + len(q), 0) + q, ('${host}', 0))`,
  ].join("\n");
  return sb.netlab(["exec", lab, node, "--", "python3", "-c", py]);
}
