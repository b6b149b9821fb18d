// Compose's port forms (the Compose Specification, services.ports and services.expose), read into
// netlab's `publish:` strings and the ports a stand-in server listens on.
import type { KeyPath } from "../errors.js";

export interface PortProblem {
  path: KeyPath;
  message: string;
  hint?: string;
}

export interface Published {
  /** netlab's `publish:` form: "[IP:]HOST:PORT[/udp]". */
  spec: string;
  port: number;
  proto: "tcp" | "udp";
  /** Compose's "80" alone: Docker picks a random host port; netlab uses the same port. */
  samePort: boolean;
}

const RANGE_MAX = 100;

function range(text: string): number[] | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  const a = Number(m[1]), b = Number(m[2] ?? m[1]);
  if (a < 1 || b > 65535 || b < a || b - a >= RANGE_MAX) return null;
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** One entry of services.X.ports: "8080:80", "127.0.0.1:8080:80/udp", "80", "8000-8001:8000-8001", or the long form. */
export function readPorts(entry: unknown, path: KeyPath, problems: PortProblem[]): Published[] {
  const bad = (message: string, hint = 'write it like "8080:80", "127.0.0.1:8080:80" or "5353:53/udp"') => (problems.push({ path, message, hint }), []);
  let ip: string | undefined, host: string | undefined, target: string, proto = "tcp";
  if (typeof entry === "number") target = String(entry);
  else if (typeof entry === "string") {
    const [main0, p] = entry.trim().split("/");
    if (p !== undefined) proto = p;
    // "[::]:8080:80": every address, as 0.0.0.0 is (netlab publishes over IPv4).
    const main = main0.replace(/^\[::\]:/, "");
    const parts = main.split(":");
    if (parts.length > 3 || main.startsWith("[")) return bad(`"${entry}" is not a port form netlab reads`, "IPv6 host addresses are not supported; write HOST_PORT:PORT or IPV4:HOST_PORT:PORT");
    [target] = parts.slice(-1);
    if (parts.length >= 2) host = parts[parts.length - 2];
    if (parts.length === 3) ip = parts[0];
  } else if (entry && typeof entry === "object") {
    const o = entry as Record<string, unknown>;
    if (o.target === undefined) return bad("a long-form port needs target:", "e.g. { target: 80, published: 8080 }");
    target = String(o.target);
    host = o.published === undefined ? undefined : String(o.published);
    ip = o.host_ip === undefined ? undefined : String(o.host_ip);
    proto = o.protocol === undefined ? "tcp" : String(o.protocol);
  } else return bad("a port is a string, a number or a mapping");
  if (proto !== "tcp" && proto !== "udp") return bad(`protocol "${proto}" is not tcp or udp`);
  // 0.0.0.0 is Docker's "every address of the host", as no address is.
  if (ip === "" || ip === "0.0.0.0" || ip === "::") ip = undefined;
  const targets = range(target!);
  const hosts = host ? range(host) : targets;
  if (!targets || !hosts) return bad(`"${String(typeof entry === "object" ? JSON.stringify(entry) : entry)}" is not a port or a range of at most ${RANGE_MAX} ports`);
  if (hosts.length !== targets.length) return bad("the host and container ranges differ in length", "e.g. 8000-8002:8000-8002");
  return targets.map((t, i) => ({ spec: `${ip ? `${ip}:` : ""}${hosts[i]}:${t}${proto === "udp" ? "/udp" : ""}`, port: t, proto: proto as "tcp" | "udp", samePort: !host }));
}

/** One entry of services.X.expose: "80", "9000/udp", "8000-8001", 80. */
export function readExpose(entry: unknown, path: KeyPath, problems: PortProblem[]): { port: number; proto: "tcp" | "udp" }[] {
  const [p, proto = "tcp"] = String(entry).trim().split("/");
  const ports = typeof entry === "string" || typeof entry === "number" ? range(p) : null;
  if (!ports || (proto !== "tcp" && proto !== "udp")) {
    problems.push({ path, message: `"${String(entry)}" is not a port to expose`, hint: 'write it like "80", "9000/udp" or "8000-8010"' });
    return [];
  }
  return ports.map((port) => ({ port, proto: proto as "tcp" | "udp" }));
}
