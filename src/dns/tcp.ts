// DNS over TCP (RFC 7766: two length bytes, then the message; queries may be pipelined) with
// the limits a server shared with every local user needs:
// - connections: at most `total` at once (Node closes the rest as they are accepted) and at
//   most `perClient` from one address, so idle connections cannot take the server's
//   descriptors (UDP answers go on whatever TCP holds);
// - an idle timeout: a connection that sends nothing, or does not read its answers, for
//   `idleMs` is closed;
// - memory: one query is answered at a time per connection, and reading pauses while it is
//   answered and while its reply waits to be sent — a client that pipelines queries and never
//   reads stops itself (its own send blocks) instead of growing the server. A connection holds
//   at most one unanswered message and one chunk.
import type net from "node:net";

export interface TcpLimits {
  total: number;
  perClient: number;
  idleMs: number;
  /** Connections from addresses that are no lab node, all together: they only ever get REFUSED. */
  strangers: number;
}

/** Docker's embedded DNS (miekg/dns) closes idle TCP after 8 s; BIND lets 150 clients in. */
export const TCP_LIMITS: TcpLimits = { total: 256, perClient: 16, idleMs: 8000, strangers: 32 };

/** Answers one message from an address; null closes the connection (it sent what is not a query). */
export type Handler = (from: string, msg: Buffer) => Promise<Buffer | null>;

/** Serves DNS over TCP on `server` (listening or not yet). `onError` hears what a handler threw; the connection is closed and the server goes on. */
export function serveTcp(server: net.Server, handle: Handler, onError: (e: unknown) => void, limits: TcpLimits = TCP_LIMITS, admit: (from: string) => boolean = () => true): void {
  server.maxConnections = limits.total;
  const perClient = new Map<string, number>();
  let strangers = 0;
  server.on("connection", (s) => {
    const who = s.remoteAddress ?? "";
    // Only the lab's nodes get answers; anyone else (any local user can bind many 127.x sources)
    // shares a few slots, so the nodes' are never all taken by strangers holding connections open.
    const stranger = !admit(who);
    if (stranger && strangers >= limits.strangers) {
      s.destroy();
      return;
    }
    if (stranger) {
      strangers++;
      s.once("close", () => strangers--);
    }
    const n = (perClient.get(who) ?? 0) + 1;
    if (n > limits.perClient) {
      s.destroy();
      return;
    }
    perClient.set(who, n);
    s.once("close", () => {
      const left = (perClient.get(who) ?? 1) - 1;
      if (left > 0) perClient.set(who, left);
      else perClient.delete(who);
    });
    connection(s, who, handle, onError, limits.idleMs);
  });
}

function connection(s: net.Socket, who: string, handle: Handler, onError: (e: unknown) => void, idleMs: number): void {
  let buf: Buffer = Buffer.alloc(0);
  let busy = false;
  s.setTimeout(idleMs, () => s.destroy());
  s.on("error", () => {}); // a reset by the client: 'close' follows
  s.on("data", (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    s.pause(); // until the messages read so far are answered and sent
    void pump();
  });
  const pump = async () => {
    if (busy) return;
    busy = true;
    try {
      while (!s.destroyed && buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        const out = await handle(who, msg).catch((e: unknown) => {
          onError(e);
          return null;
        });
        if (!out || out.length > 65535) {
          s.destroy();
          return;
        }
        const framed = Buffer.alloc(2 + out.length);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        if (!s.write(framed)) await drained(s);
      }
    } finally {
      busy = false;
    }
    if (!s.destroyed) s.resume();
  };
}

/** Until the socket's pending writes are flushed, or it closes. */
function drained(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off("drain", done);
      s.off("close", done);
      resolve();
    };
    s.on("drain", done);
    s.on("close", done);
  });
}
