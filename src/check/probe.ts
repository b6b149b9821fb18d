// Running one check from inside a namespace with the real tools: ping, nc, curl, getent.
// Each probe is one process (`ip netns exec` execs straight into the tool).
import type { Check, Lab } from "../lab/model.js";
import { hostFacing } from "../plan/kinds/index.js";
import { familyOf } from "../net/ip.js";
import { run } from "../runtime/proc.js";

export interface CheckResult {
  check: Check;
  /** What happened: the probe got through, or not. */
  outcome: "pass" | "fail";
  /** The verdict: the outcome is what the check expects. */
  ok: boolean;
  /** Why, in words: "answered", "refused", "timeout", "status 404", "resolved to 10.0.0.3" … */
  detail: string;
  /** The address or URL actually probed. */
  probed: string;
  ms: number;
  attempts: number;
}

/** A node name becomes its address on a network both share, else its first address. */
export function resolveTarget(lab: Lab, from: string, target: string): string {
  const node = lab.nodes.find((n) => n.name === target);
  if (!node) return target;
  const src = from === "host" ? lab.host : lab.nodes.find((n) => n.name === from);
  if (from === "host") {
    // The host shares every network it holds a bridge for, and every link it is on.
    const i = hostFacing(lab, node.intfs);
    if (i?.addrs.length) return i.addrs[0].split("/")[0];
  } else if (src) {
    for (const i of node.intfs) {
      const shared = src.intfs.some((s) => (i.kind === "veth" ? s.kind === "veth" && s.link === i.link : s.kind !== "veth" && s.network === i.network));
      if (shared && i.addrs.length) return i.addrs[0].split("/")[0];
    }
  }
  const first = node.intfs.flatMap((i) => i.addrs)[0];
  return first ? first.split("/")[0] : target;
}

/** A name that is no node of the lab (an alias, a hosts entry) is looked up inside the node, as its programs would; an address is itself. */
async function inNode(enter: string[], target: string, secs: number): Promise<string | null> {
  if (familyOf(target)) return target;
  const r = await run([...enter, "timeout", String(secs), "getent", "ahosts", target]);
  return r.stdout.split("\n").map((l) => l.split(/\s+/)[0]).find((a) => a && familyOf(a)) ?? null;
}

function splitHostPort(t: string): [string, string] {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(t) ?? /^(.*):(\d+)$/.exec(t);
  return m ? [m[1], m[2]] : [t, ""];
}

function reason(text: string, code: number): string {
  const t = text.toLowerCase();
  if (t.includes("refused")) return "refused";
  if (t.includes("timed out") || t.includes("timeout")) return "timeout";
  if (t.includes("no route") || t.includes("unreachable")) return "unreachable";
  if (t.includes("name or service not known") || t.includes("could not resolve") || t.includes("unknown host") || t.includes("not known"))
    return "name does not resolve";
  return code === 124 ? "timeout" : text.trim().split("\n").pop()?.slice(0, 120) || `exit status ${code}`;
}

async function probeOnce(lab: Lab, c: Check, enter: string[]): Promise<{ outcome: "pass" | "fail"; detail: string; probed: string }> {
  const secs = Math.max(1, Math.ceil(c.timeoutMs / 1000));
  const fsecs = (c.timeoutMs / 1000).toFixed(3);
  switch (c.kind) {
    case "matrix": {
      const { matrixCheck } = await import("./matrix.js");
      return { ...(await matrixCheck(lab, c.matrix!)), probed: c.target };
    }
    case "ping": {
      const addr = resolveTarget(lab, c.from, c.target);
      const r = await run([...enter, "ping", "-n", "-q", "-c", String(c.count), "-i", "0.2", "-W", fsecs, "-w", String(Math.ceil(c.timeoutMs / 1000 + (c.count - 1) * 0.2)), addr]);
      const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
      if (r.code === 0 && m && m[2] === m[1]) return { outcome: "pass", detail: `${m[2]}/${m[1]} answered`, probed: addr };
      if (m && Number(m[2]) > 0) return { outcome: "fail", detail: `${m[2]}/${m[1]} answered`, probed: addr };
      return { outcome: "fail", detail: /unreachable/i.test(r.stdout + r.stderr) ? "unreachable" : r.stderr.trim() ? reason(r.stderr, r.code) : "no answer (timeout)", probed: addr };
    }
    case "tcp": {
      const [h, port] = splitHostPort(c.target);
      const addr = await inNode(enter, resolveTarget(lab, c.from, h), secs);
      if (addr === null) return { outcome: "fail", detail: "name does not resolve", probed: c.target };
      if (c.repeat !== undefined) return counted(lab, c, enter, ["nc", "-n", "-w", String(secs), addr, port], `${addr}:${port}`);
      const r = await run([...enter, "nc", "-z", "-v", "-n", "-w", String(secs), addr, port]);
      if (r.code === 0) return { outcome: "pass", detail: "connected", probed: `${addr}:${port}` };
      return { outcome: "fail", detail: reason(r.stderr || r.stdout, r.code), probed: `${addr}:${port}` };
    }
    case "udp": {
      const [h, port] = splitHostPort(c.target);
      const addr = await inNode(enter, resolveTarget(lab, c.from, h), secs);
      if (addr === null) return { outcome: "fail", detail: "name does not resolve", probed: c.target };
      const r = await run([...enter, "nc", "-u", "-n", "-w", String(secs), addr, port], "netlab\n");
      if (r.stdout.trim()) return { outcome: "pass", detail: "answered", probed: `${addr}:${port}` };
      return { outcome: "fail", detail: r.stderr.trim() ? reason(r.stderr, r.code) : "no answer (timeout)", probed: `${addr}:${port}` };
    }
    case "http": {
      const extra = await curlOptions(lab, c, enter, secs);
      if (extra === null) return { outcome: "fail", detail: `via ${c.via}: name does not resolve`, probed: c.target };
      if (c.repeat !== undefined) return counted(lab, c, enter, ["curl", "-sS", "-m", fsecs, ...extra, c.target]);
      const r = await run([...enter, "curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-m", fsecs, ...extra, c.target]);
      if (r.code !== 0) return { outcome: "fail", detail: reason(r.stderr, r.code), probed: c.target };
      const nl = r.stdout.lastIndexOf("\n");
      const status = Number(r.stdout.slice(nl + 1));
      const body = r.stdout.slice(0, nl);
      const statusOk = c.status !== undefined ? status === c.status : status >= 200 && status < 400;
      if (!statusOk) return { outcome: "fail", detail: `status ${status}${c.status !== undefined ? `, wanted ${c.status}` : ""}`, probed: c.target };
      if (c.contains !== undefined && !body.includes(c.contains)) return { outcome: "fail", detail: `status ${status}, but the body does not contain "${c.contains}"`, probed: c.target };
      return { outcome: "pass", detail: `status ${status}`, probed: c.target };
    }
    case "dns": {
      const got = c.resolver === "system" ? await bySystem(enter, c.target, secs) : await byServer(enter, c.target, secs, c.recordType);
      if ("fail" in got) return { outcome: "fail", detail: got.fail, probed: c.target };
      return { ...dnsVerdict(c, got.addrs), probed: c.target };
    }
  }
}

/** A dns check's answers against equals (one of them, or exactly a list of them) and contains. */
function dnsVerdict(c: Check, answers: string[]): { outcome: "pass" | "fail"; detail: string } {
  const said = `${c.recordType && !["A", "AAAA"].includes(c.recordType) ? "answered" : "resolved to"} ${answers.join(", ")}`;
  const want = c.equals;
  if (Array.isArray(want) && [...new Set(want)].sort().join() !== [...new Set(answers)].sort().join()) return { outcome: "fail", detail: `${said}, wanted exactly ${want.join(", ")}` };
  if (typeof want === "string" && !answers.includes(want)) return { outcome: "fail", detail: `${said}, wanted ${want}` };
  if (c.contains !== undefined && !answers.some((a) => a.includes(c.contains!))) return { outcome: "fail", detail: `${said}, none containing "${c.contains}"` };
  return { outcome: "pass", detail: said };
}

/**
 * A check that counts answers: `repeat` requests, each a new connection, from one shell in the
 * node; `netlab serve` names its node in every answer. answeredBy a list: each of them answered
 * at least once, and nobody else; a map: each one's share within `tolerance` points.
 */
async function counted(lab: Lab, c: Check, enter: string[], argv: string[], probed = c.target): Promise<{ outcome: "pass" | "fail"; detail: string; probed: string }> {
  const one = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const r = await run([...enter, "sh", "-c", `i=0; while [ $i -lt ${c.repeat} ]; do ${one} </dev/null 2>/dev/null | head -c 200 | tr '\\n' ' '; echo; i=$((i+1)); done`]);
  const counts = new Map<string, number>();
  let none = 0;
  for (const line of r.stdout.split("\n").slice(0, c.repeat)) {
    const who = /hello from ([^\s,]+)/.exec(line)?.[1];
    if (who) counts.set(who, (counts.get(who) ?? 0) + 1);
    else none++;
  }
  const n = c.repeat!;
  // Nobody answered at all: one more request, its error kept, says why (a name that does not resolve, refused…).
  const why = none === n ? reason(...(await run([...enter, ...argv]).then((x) => [x.stderr || x.stdout, x.code] as const))) : "";
  const seen = [...[...counts.entries()].map(([k, v]) => `${k} ${v}`), ...(none ? [`no answer ${none}${why ? ` (${why})` : ""}`] : [])].join(", ");
  const by = c.answeredBy;
  if (c.sticky) {
    const [only] = [...counts.keys()];
    const ok = counts.size === 1 && none === 0 && (!by || !("nodes" in by) || by.nodes.includes(only));
    return { outcome: ok ? "pass" : "fail", detail: ok ? `all ${n} from ${only}` : `${seen}; wanted every answer from one node${by && "nodes" in by ? ` of ${by.nodes.join(", ")}` : ""}`, probed };
  }
  if (!by) return { outcome: none === 0 ? "pass" : "fail", detail: `${n - none}/${n} answered (${seen})`, probed };
  if ("nodes" in by) {
    const missing = by.nodes.filter((x) => !counts.has(x));
    const others = [...counts.keys()].filter((x) => !by.nodes.includes(x));
    const ok = !missing.length && !others.length && none === 0;
    return { outcome: ok ? "pass" : "fail", detail: ok ? seen : `${seen}${missing.length ? `; never answered: ${missing.join(", ")}` : ""}${others.length ? `; not expected: ${others.join(", ")}` : ""}`, probed };
  }
  const off = Object.entries(by.shares).filter(([k, want]) => Math.abs(((counts.get(k) ?? 0) / n) * 100 - want) > (c.tolerance ?? 5));
  const others = [...counts.keys()].filter((x) => !(x in by.shares));
  const ok = !off.length && !others.length;
  return { outcome: ok ? "pass" : "fail", detail: `${seen}${off.length ? `; off by more than ${c.tolerance}%: ${off.map(([k, w]) => `${k} (wanted ${w}%)`).join(", ")}` : ""}`, probed };
}

/** Run a check, retrying while its verdict is wrong. */
export async function runCheck(lab: Lab, c: Check, enter: string[]): Promise<CheckResult> {
  const t0 = Date.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const r = await probeOnce(lab, c, enter);
    const ok = (r.outcome === "pass") === (c.expect === "pass");
    if (ok || attempts > c.retries) return { check: c, ...r, ok, ms: Date.now() - t0, attempts };
    await new Promise((res) => setTimeout(res, 200));
  }
}

export function describeCheck(c: Check): string {
  return c.name ?? `${c.kind} ${c.target}`;
}

type Resolved = { addrs: string[] } | { fail: string };

/** As programs resolve (getaddrinfo through getent): /etc/hosts first, then DNS. */
async function bySystem(enter: string[], name: string, secs: number): Promise<Resolved> {
  const r = await run([...enter, "timeout", String(secs), "getent", "ahosts", name]);
  const addrs = [...new Set(r.stdout.split("\n").map((l) => l.split(/\s+/)[0]).filter((a) => a && familyOf(a)))];
  if (r.code !== 0 || !addrs.length) return { fail: r.code === 124 ? "timeout" : "does not resolve" };
  return { addrs };
}

/**
 * As dig and nslookup do: the DNS server of the node's resolv.conf (with its search list), A and
 * AAAA; or the records of one type, their data as dig prints it without the final dot.
 */
async function byServer(enter: string[], name: string, secs: number, type?: Check["recordType"]): Promise<Resolved> {
  const t = String(Math.max(1, Math.floor(secs)));
  // -q: a name such as "a" or "mx" would otherwise be read as a type. One dig per type: a second -q/-t pair is not a second query.
  const dig = `dig +search +tries=1 +time=${t} +noall +answer +comments`;
  const asked = !type ? `${dig} -q "$1" -t A; ${dig} -q "$1" -t AAAA` : type === "PTR" ? `${dig} -x "$1"` : `${dig} -q "$1" -t ${type}`;
  const r = await run([...enter, "sh", "-c", asked, "dig", name]);
  // A REJECT (a NetworkPolicy, a firewall) or a closed port answers at once: refused, not a timeout.
  if (/connection refused/i.test(r.stdout + r.stderr)) return { fail: "refused: no DNS server listens there, or a rule rejects the query" };
  if (/connection timed out|no servers could be reached/i.test(r.stdout + r.stderr)) return { fail: "timeout: no DNS server answered" };
  const rrs = r.stdout.split("\n").filter((l) => l.trim() && !l.startsWith(";")).map((l) => l.trim().split(/\s+/));
  const data = (f: string[]) => f.slice(4).join(" ").replace(/\.$/, "").replace(/^"(.*)"$/, "$1");
  const addrs = [...new Set(type ? rrs.filter((f) => f[3] === type).map(data) : rrs.map((f) => f[4]).filter((a) => a && familyOf(a)))];
  if (addrs.length) return { addrs };
  const status = /status: ([A-Z]+)/.exec(r.stdout)?.[1];
  return { fail: status && status !== "NOERROR" ? `the DNS server says ${status}` : `does not resolve (no ${type ?? "address"} from the DNS server)` };
}

/**
 * curl options of an http check: `via: TARGET[:PORT]` as `--connect-to ::ADDR:PORT` (the URL's
 * host still goes as Host and SNI), `headers` as `-H`. Null when the via target does not resolve.
 */
async function curlOptions(lab: Lab, c: Check, enter: string[], secs: number): Promise<string[] | null> {
  const out = Object.entries(c.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  if (c.via === undefined) return out;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(c.via)!;
  const port = m[2] ?? (c.target.startsWith("https:") ? "443" : "80");
  const addr = await inNode(enter, resolveTarget(lab, c.from, m[1].replace(/^\[|\]$/g, "")), secs);
  if (addr === null) return null;
  return ["--connect-to", `::${addr.includes(":") ? `[${addr}]` : addr}:${port}`, ...out];
}
