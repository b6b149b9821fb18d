// Link impairments in tc's own words (tc(8), tc-netem(8), tc-tbf(8)): the lab's values are
// checked and normalised here, so what `up` runs is exactly what `inspect` and the graph show.

export interface Netem {
  /** tc time ("20ms"), loss ("1%"), rate ("8mbit"): already in tc's spelling. */
  delay?: string;
  jitter?: string;
  loss?: string;
  rate?: string;
}

const TIME = /^(\d+(?:\.\d+)?)\s*(us|usec|ms|msec|s|sec)$/;
const RATE = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)$/i;
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/** A duration as tc writes it; a bare number is milliseconds. */
export function parseTime(v: string | number): string | null {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? `${v}ms` : null;
  const m = TIME.exec(v.trim());
  if (!m) return null;
  const unit = { us: "us", usec: "us", ms: "ms", msec: "ms", s: "s", sec: "s" }[m[2]]!;
  return `${m[1]}${unit}`;
}

/** A loss percentage, 0–100; a bare number is percent. */
export function parsePercent(v: string | number): { text: string; value: number } | null {
  const n = typeof v === "number" ? v : Number(PERCENT.exec(v.trim())?.[1] ?? NaN);
  return Number.isFinite(n) ? { text: `${n}%`, value: n } : null;
}

/** A rate as tc writes it (bit = bits per second, bps = bytes per second), and its bits per second. */
export function parseRate(v: string): { text: string; bits: number } | null {
  const m = RATE.exec(v.trim());
  if (!m) return null;
  const unit = m[2].toLowerCase();
  const scale = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9, tbps: 8e12 }[unit]!;
  const bits = Number(m[1]) * scale;
  return bits > 0 ? { text: `${m[1]}${unit}`, bits } : null;
}

/** Whether these impairments need sch_netem (rate alone does not: tbf shapes it). */
export const needsNetem = (n: Netem): boolean => !!(n.delay || n.jitter || n.loss);

/**
 * The root qdisc line (for `tc -batch`) that applies them on one interface's egress. With only
 * a rate, tbf: a bucket of 1/100 s of traffic (at least two full frames) and up to 100 ms queued,
 * so TCP sees the rate rather than drops.
 */
export function qdiscLine(dev: string, n: Netem): string {
  if (needsNetem(n)) {
    const parts = [n.delay && `delay ${n.delay}${n.jitter ? ` ${n.jitter}` : ""}`, n.loss && `loss ${n.loss}`, n.rate && `rate ${n.rate}`];
    return `qdisc replace dev ${dev} root netem ${parts.filter(Boolean).join(" ")}`;
  }
  const bits = parseRate(n.rate!)!.bits;
  const burst = Math.max(3200, Math.ceil(bits / 8 / 100));
  return `qdisc replace dev ${dev} root tbf rate ${n.rate} burst ${burst} latency 100ms`;
}

/** A one-line description, for inspect and graphs. */
export const describeNetem = (n: Netem): string =>
  [n.delay && `delay ${n.delay}${n.jitter ? `±${n.jitter}` : ""}`, n.loss && `loss ${n.loss}`, n.rate && `rate ${n.rate}`].filter(Boolean).join(", ");

/** Root netem and tbf qdiscs per interface, from `tc qdisc show` ("qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 20ms"). */
export function rootImpairments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^qdisc (netem|tbf) \S+ dev (\S+) root (?:refcnt \d+ )?(?:limit \d+p? )?(.*)$/.exec(line.trim());
    if (m) out.set(m[2], `${m[1]} ${m[3].replace(/\s+/g, " ").trim()}`);
  }
  return out;
}
