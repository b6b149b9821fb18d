// Tiny servers for labs. Each answers with the node's name and the client address it
// saw, so NAT and DNAT are visible from the client side.
import { createServer as createHttp } from "node:http";
import { createServer as createTcp, type AddressInfo } from "node:net";
import { createSocket } from "node:dgram";

export type Kind = "http" | "tcp" | "udp";

export interface Server {
  port: number;
  close(): Promise<void>;
}

const plain = (addr: string | undefined) => (addr ?? "?").replace(/^::ffff:/, "");

export function httpBody(name: string, client: string, port: number, method: string, url: string, host?: string): string {
  // The Host header, printable: what an L7 check (via, Ingress rules) can look for.
  return `hello from ${name}\nyou are ${client}:${port}\n${method} ${url}\n${host ? `host ${host.replace(/[^\x20-\x7e]/g, "?").slice(0, 255)}\n` : ""}`;
}

export async function startServer(kind: Kind, opts: { port: number; host: string; name: string }): Promise<Server> {
  const { name } = opts;
  if (kind === "udp") {
    const sock = createSocket({ type: opts.host.includes(":") ? "udp6" : "udp4", reuseAddr: true });
    sock.on("message", (msg, rinfo) => {
      sock.send(`${name}: ${plain(rinfo.address)}:${rinfo.port} ${msg.toString().trim()}\n`, rinfo.port, rinfo.address);
    });
    await new Promise<void>((res, rej) => {
      sock.once("error", rej);
      sock.bind(opts.port, opts.host, () => res());
    });
    return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) };
  }
  const server =
    kind === "http"
      ? createHttp((req, res) => {
          // /bytes/N: N bytes of zeros (as httpbin's), to see a link's rate: curl -o /dev/null -w '%{time_total}'.
          const bytes = /^\/bytes\/(\d{1,9})$/.exec(req.url ?? "");
          if (bytes) {
            const n = Math.min(Number(bytes[1]), 100_000_000);
            res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n, "x-netlab-node": name, connection: "close" });
            const chunk = Buffer.alloc(65536);
            let left = n;
            const pump = () => {
              while (left > 0) {
                const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
                left -= part.length;
                if (!res.write(part)) return void res.once("drain", pump);
              }
              res.end();
            };
            return pump();
          }
          const m = /^\/status\/(\d{3})$/.exec(req.url ?? "");
          const code = m ? Number(m[1]) : 200;
          res.writeHead(code, { "content-type": "text/plain", "x-netlab-node": name, connection: "close" });
          res.end(httpBody(name, plain(req.socket.remoteAddress), req.socket.remotePort ?? 0, req.method ?? "GET", req.url ?? "/", req.headers.host));
        })
      : createTcp((sock) => {
          sock.on("error", () => {});
          sock.write(`hello from ${name}, you are ${plain(sock.remoteAddress)}:${sock.remotePort}\n`);
          sock.pipe(sock); // then echo
        });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen({ port: opts.port, host: opts.host, ipv6Only: false }, () => res());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
