// Tools for attacking a lab's DNS server from inside a sandbox, as an unprivileged local user
// (dns-attack.mjs run as nobody), and for measuring the server meanwhile. Used by
// dns-abuse.test.ts and by the chaos harness's "dns-abuse" trials.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Sandbox } from "./sandbox.js";

export const ATTACK = resolve(import.meta.dirname, "dns-attack.mjs");
export const UPSTREAM = resolve(import.meta.dirname, "../fixtures/dns-upstream.mjs");
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** Where the abuse lab's server listens on the client's network. */
export const ABUSE_GW = "10.77.1.1";
/**
 * The abuse lab: `client` on a NAT network (so unknown names are forwarded), `web` to look up,
 * and its upstreams as lab nodes — never an outside address: `resolver` (a real small DNS
 * server, 300 ms slow) and `dead` (nothing on port 53; ICMP not rate-limited, so a refusal is at once).
 */
export const ABUSE_LAB = `name: dnsabuse
networks:
  front: { subnet: 10.77.1.0/24, nat: true }
  upstreams: { subnet: 10.77.2.0/24 }
nodes:
  client: { networks: [front] }
  web: { networks: [front] }
  resolver:
    networks: { upstreams: { ip: 10.77.2.53 } }
    run: node ${UPSTREAM} 300
  dead:
    networks: { upstreams: { ip: 10.77.2.54 } }
    sysctls: { net.ipv4.icmp_ratelimit: 0 }
`;

/** Writes the abuse lab into `dir`; its path. */
export function writeAbuseLab(dir: string): string {
  writeFileSync(join(dir, "dnsabuse.yaml"), ABUSE_LAB);
  return join(dir, "dnsabuse.yaml");
}

/**
 * The host's resolvers as the sandbox's DNS server sees them — `ip netns exec SANDBOX` mounts
 * /etc/netns/SANDBOX/resolv.conf over /etc/resolv.conf: the dead node first, then the resolver.
 * Returns what puts /etc/netns back as it was.
 */
export function labUpstreams(sb: Sandbox): () => void {
  const made = !existsSync("/etc/netns");
  mkdirSync(`/etc/netns/${sb.name}`, { recursive: true });
  writeFileSync(`/etc/netns/${sb.name}/resolv.conf`, "nameserver 10.77.2.54\nnameserver 10.77.2.53\n");
  return () => {
    rmSync(`/etc/netns/${sb.name}`, { recursive: true, force: true });
    try {
      if (made) rmdirSync("/etc/netns");
    } catch {
      /* gone already, or no longer ours alone */
    }
  };
}

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A short abuse run for the chaos harness: the abuse lab up, then a random mix of the malformed,
 * oversized, pipelined, idle and spoofed attacks at once (as nobody), while `client` looks up
 * forwarded names; afterwards the same server must answer correctly, its memory and descriptors
 * bounded. A one-line account, with "SERVER BROKEN" in it when the server did not hold. The
 * caller takes the lab down (`down dnsabuse`) and compares the sandbox's snapshots.
 */
export async function abuseRun(sb: Sandbox, rnd: () => number, file: string): Promise<string> {
  const undo = labUpstreams(sb);
  try {
    const up = await sb.netlab(["up", file]);
    if (up.code !== 0) return `up failed (exit ${up.code}): ${up.stderr.trim().slice(0, 200)} SERVER BROKEN`;
    const dig = (args: string) => sb.exec("dnsabuse", "client", `dig +short +tries=1 +time=4 ${args}`).then((r) => r.stdout.trim());
    for (const end = Date.now() + 5000; Date.now() < end && (await dig("web")) !== "10.77.1.3"; ) await sleep(100);
    const pid = dnsServerPid(sb, "dnsabuse");
    if (!pid) return "no DNS server after up SERVER BROKEN";
    const rss0 = rssKb(pid);
    const fd0 = fdCount(pid);
    const all: Record<string, (string | number)[]> = {
      malformed: [ABUSE_GW, 20 + Math.floor(rnd() * 80)],
      oversized: [ABUSE_GW],
      pipeline: [ABUSE_GW, 4, 1, 0.5],
      idle: [ABUSE_GW, 300 + Math.floor(rnd() * 1200), 1],
      spoof: [2],
    };
    const picks = Object.keys(all).filter(() => rnd() < 0.6);
    if (!picks.length) picks.push(Object.keys(all)[Math.floor(rnd() * 5)]);
    const attacks = picks.map((m) => attack(sb, m, all[m]));
    let rss = rss0;
    let fds = fd0;
    const sampling = setInterval(() => {
      if (dnsServerPid(sb, "dnsabuse") !== pid) return;
      rss = Math.max(rss, rssKb(pid));
      fds = Math.max(fds, fdCount(pid));
    }, 200);
    await sleep(300); // the attackers have started
    const forwarded = await dig("probe.example probe.example");
    await Promise.all(attacks.map((a) => a.exited));
    clearInterval(sampling);
    const alive = dnsServerPid(sb, "dnsabuse") === pid;
    const name = await dig("web");
    const ok = alive && name === "10.77.1.3" && forwarded === "192.0.2.53\n192.0.2.53" && rss - rss0 < 50 * 1024 && fds - fd0 < 300;
    const mix = picks.map((m) => `${m}${m === "malformed" || m === "idle" ? ` ${all[m][1]}` : ""}`).join(" + ");
    return `${mix}: server ${alive ? "alive" : "GONE"}, web -> ${name || "nothing"}, probe.example -> ${forwarded.replace(/\n/g, " ") || "nothing"}, RSS +${Math.round((rss - rss0) / 1024)} MB, descriptors +${fds - fd0}${ok ? "" : " SERVER BROKEN"}`;
  } finally {
    await sb.netlab(["down", "dnsabuse"]);
    undo();
  }
}
