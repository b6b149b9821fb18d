// The lab's DNS server — Docker's embedded DNS, for a lab: one process in the lab's host
// namespace, listening on UDP and TCP 53 at the gateway of each network with names; nodes reach it
// as 127.0.0.11 (a DNAT in their own namespace). It answers from the asking node's view
// (view.ts, answer.ts), rotates several addresses under one name, answers PTR for lab addresses,
// asks the host's resolvers for other names when the node is on a NAT network (forward.ts;
// NXDOMAIN at once otherwise), and logs every query to the lab's state directory (log.ts,
// `netlab logs LAB --dns`).
// Every local user can send it anything, so nothing one sends may stop it: replies are bounded
// (wire.ts), TCP is limited (tcp.ts), each request's failure stays that request's, and an
// exception that escapes anyway is logged and the server goes on.
// Wire format by dns-packet, a well-used library: netlab parses and builds no DNS records itself.
import dgram from "node:dgram";
import net from "node:net";
import type { Lab } from "../lab/model.js";
import { answer, type AnswerOptions } from "./answer.js";
import { QueryLog } from "./log.js";
import { serveTcp } from "./tcp.js";
import { ClusterView } from "./cluster-view.js";
import { dnsServers, isClusterDns } from "./servers.js";
import { Views, type View } from "./view.js";

/** The server's view: the cluster's names in the cluster DNS's pod, else the lab's networks held by `holder`. */
const viewOf = (lab: Lab, holder: string | null): View => (isClusterDns(lab, holder) ? new ClusterView(lab) : new Views(lab, holder));

/**
 * Serves until SIGTERM. `logFile` is opened once and kept (log.ts). On SIGHUP it reads the lab
 * again (`reload`: the lab as it is now up, and its version) and answers from the new records
 * from the next query on — no restart, no query lost — listening where the new version has
 * networks with names (a network apply added) and no more where it has none (one it removed),
 * then logging `reloaded version V`.
 */
export async function serveDns(lab: Lab, logFile: string, reload?: () => { lab: Lab; version: string } | null, holder: string | null = null): Promise<void> {
  let views = viewOf(lab, holder);
  const log = new QueryLog(logFile);
  const current = { answer: (from: string, msg: Buffer, o: AnswerOptions) => answer(views, from, msg, o), client: (from: string) => !!views.client(from) };
  const failed = (what: string) => (e: unknown) => log.outside(`error (${what}; the server goes on): ${e instanceof Error ? e.message : String(e)}`);
  const listening = new Map<string, () => void>();
  /**
   * Listens (or stops) where `l` has this holder's networks with names; one address failing leaves
   * the others. `early`: an address not there yet (EADDRNOTAVAIL) is no failure, only not yet.
   */
  const listenFor = async (l: Lab, early = false) => {
    const want = dnsServers(l, holder);
    for (const [addr, close] of listening)
      if (!want.includes(addr)) {
        close();
        listening.delete(addr);
        log.line(`stopped listening on ${addr}:53`);
      }
    const fails: string[] = [];
    for (const addr of want.filter((a) => !listening.has(a))) {
      try {
        listening.set(addr, await listen(addr, current, log, failed));
        log.line(`listening on ${addr}:53 (udp, tcp)`);
      } catch (e) {
        if (early && (e as NodeJS.ErrnoException).code === "EADDRNOTAVAIL") {
          fails.push(`${addr}:53: not made yet`);
          continue;
        }
        // One address that cannot be bound leaves the others served; said, and tried again at the next reload.
        fails.push(`${addr}:53: ${e instanceof Error ? e.message : String(e)}`);
        log.outside(`cannot listen on ${fails.at(-1)}`);
      }
    }
    return fails;
  };
  // One reload at a time, in the order asked.
  let reloading = Promise.resolve();
  // Before listening: whoever sees "listening" may send SIGHUP (whose default would end us).
  process.on("SIGHUP", () => {
    reloading = reloading.then(async () => {
      try {
        const now = reload?.();
        if (!now) return log.outside("reload asked for, but the lab is not up: records kept");
        const next = viewOf(now.lab, holder);
        views = next;
        const fails = await listenFor(now.lab);
        log.line(`reloaded version ${now.version}${fails.length ? ` (not listening on ${fails.length} of its addresses)` : ""}`);
      } catch (e) {
        log.outside(`reload failed, records kept: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  });
  // The last guard: whatever escapes a request is logged, and the server keeps serving.
  process.on("uncaughtException", failed("uncaught"));
  process.on("unhandledRejection", failed("unhandled rejection"));
  // `up` starts the server as soon as its namespace exists, while the rest of the lab is made:
  // its addresses (the networks' gateways) come a moment later, and are bound as they come.
  let fails = await listenFor(lab, true);
  for (let i = 0; i < EARLY_TRIES && fails.some((f) => f.endsWith("not made yet")); i++) {
    await new Promise((r) => setTimeout(r, 20));
    fails = await listenFor(lab, true);
  }
  if (fails.length) throw new Error(`cannot listen on ${fails.join("; ")}`);
  // Serving nowhere (apply removed its last network with names) is no reason to end: the next
  // apply that brings one back reloads this server. A signal handler alone keeps no process alive.
  const alive = setInterval(() => undefined, 2 ** 30);
  await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
  clearInterval(alive);
  for (const c of listening.values()) c();
  log.close();
}

/** How many times (20 ms apart: 60 s in all) the server tries addresses `up` has not made yet. */
const EARLY_TRIES = 3000;

type Current = { answer: (from: string, msg: Buffer, o: AnswerOptions) => Promise<Buffer | null>; client: (from: string) => boolean };

/** UDP and TCP 53 at `addr`; what closes both. */
async function listen(addr: string, current: Current, log: QueryLog, failed: (what: string) => (e: unknown) => void): Promise<() => void> {
  const udp = await listenUdp(addr, current.answer, { transport: "udp", log }, failed("udp"));
  const tcp = net.createServer();
  serveTcp(tcp, (from, msg) => current.answer(from, msg, { transport: "tcp", log }), failed("tcp"), undefined, current.client);
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(53, addr, () => resolve());
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  tcp.on("error", failed("tcp listener"));
  return () => {
    udp.close();
    tcp.close();
  };
}

async function listenUdp(addr: string, ask: (from: string, msg: Buffer, o: AnswerOptions) => Promise<Buffer | null>, opts: AnswerOptions, onError: (e: unknown) => void): Promise<dgram.Socket> {
  const udp = dgram.createSocket(addr.includes(":") ? "udp6" : "udp4");
  udp.on("message", (msg, rinfo) => {
    // No reply can go to port 0 (Node throws, the kernel refuses): dropped, as BIND and Unbound do.
    if (rinfo.port === 0) return opts.log.outside(`${rinfo.address} query from source port 0: dropped`);
    ask(rinfo.address, msg, opts)
      .then((b) => b && udp.send(b, rinfo.port, rinfo.address, (e) => e && onError(e)))
      .catch(onError);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(53, addr, () => resolve());
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  udp.on("error", onError);
  return udp;
}
