// `netlab capture`: tcpdump where the packets are — inside a node's namespace, or on a
// network's bridge in whichever namespace holds it. The target and the filter are checked
// before the capture starts, so a typo is an error (exit 2), not a capture that sees nothing.
import { enterArgv } from "./running.js";
import type { Meta } from "./state/store.js";
import { UsageError } from "./errors.js";
import { run } from "./runtime/proc.js";

export interface CaptureTarget {
  /** Where tcpdump runs: an argv prefix entering the namespace. */
  enter: string[];
  iface: string;
  /** What the user asked for, for messages: "web:eth0", "network br0". */
  what: string;
}

export interface CaptureOptions {
  /** Packets go to tcpdump's stdout as a pcap stream (-w -): netlab opens the file and hands it over as that stdout. */
  write?: boolean;
  count?: number;
  filter: string[];
}

/** NODE, NODE:IFACE, host, host:IFACE, or a network's name (its bridge). */
export function captureTarget(meta: Meta, spec: string): CaptureTarget {
  const lab = meta.lab;
  const [who, iface] = spec.includes(":") ? [spec.slice(0, spec.lastIndexOf(":")), spec.slice(spec.lastIndexOf(":") + 1)] : [spec, undefined];
  const net = !iface ? lab.networks.find((n) => n.name === who) : undefined;
  if (net && !lab.nodes.some((n) => n.name === who)) {
    if (net.kind !== "bridge" && net.kind !== "vxlan")
      throw new UsageError(`network ${net.name} is a ${net.kind} network: it has no bridge to capture on`, `capture on a member instead: netlab capture ${lab.name} NODE:IFACE`);
    // A vxlan network has a bridge on every host it spans: its first, unless the user names one.
    const holder = net.kind === "vxlan" ? net.spans![0] : net.holder;
    return { enter: enterArgv(meta, holder ?? "host"), iface: net.bridge, what: `network ${net.name}${net.kind === "vxlan" ? ` on ${holder}` : ""}` };
  }
  if (who !== "host" && !lab.nodes.some((n) => n.name === who)) {
    const nets = lab.networks.filter((n) => n.kind === "bridge" || n.kind === "vxlan").map((n) => n.name);
    throw new UsageError(`lab ${lab.name} has no node or network "${who}"`, `nodes: ${[...lab.nodes.map((n) => n.name), "host"].join(", ")}${nets.length ? `; networks: ${nets.join(", ")}` : ""}`);
  }
  return { enter: enterArgv(meta, who), iface: iface ?? "any", what: iface ? `${who}:${iface}` : `${who} (all interfaces)` };
}

/**
 * tcpdump's own command line: numeric; --immediate-mode, so that the kernel hands each packet over
 * at once instead of in blocks (up to a second late), and Ctrl-C loses none of the last ones;
 * line-buffered text, or pcap to stdout packet by packet (-w - -U): tcpdump never opens the
 * user's path itself, so it cannot follow a link planted there (netlab opened it: output-file.ts).
 */
export function tcpdumpArgv(t: CaptureTarget, o: CaptureOptions): string[] {
  return [
    "tcpdump", "-n", "--immediate-mode", "-i", t.iface,
    ...(o.write ? ["-w", "-", "-U"] : ["-l"]),
    ...(o.count ? ["-c", String(o.count)] : []),
    // The filter is a filter: after --, no word of it can be a tcpdump option (-w FILE, -z CMD).
    "--", ...o.filter,
  ];
}

/** The interface exists there and tcpdump compiles the filter for it (tcpdump -d), or a UsageError with tcpdump's words. */
export async function checkCapture(t: CaptureTarget, o: CaptureOptions): Promise<void> {
  if (t.iface !== "any") {
    const l = await run([...t.enter, "ip", "-o", "link", "show", "dev", t.iface]);
    if (l.code !== 0) {
      const all = await run([...t.enter, "ip", "-o", "link", "show"]);
      const names = all.stdout.split("\n").map((x) => x.split(": ")[1]?.split("@")[0]).filter(Boolean);
      throw new UsageError(`${t.what.split(":")[0]} has no interface ${t.iface}`, `interfaces there: ${names.join(", ")}, or leave :IFACE out for all of them`);
    }
  }
  if (o.filter.length) {
    const d = await run([...t.enter, "tcpdump", "-i", t.iface, "-d", "--", ...o.filter]);
    if (d.code !== 0) {
      const msg = d.stderr.split("\n").filter((x) => x && !/^(tcpdump: )?(verbose output suppressed|listening on|data link type)/.test(x)).join("\n").trim();
      throw new UsageError(`tcpdump rejects the filter "${o.filter.join(" ")}": ${msg.replace(/^tcpdump: /, "")}`, "see man pcap-filter; e.g. netlab capture LAB NODE -- icmp or tcp port 80");
    }
  }
}
