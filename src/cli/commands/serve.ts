import { hostname } from "node:os";
import { startServer, type Kind } from "../../serve/servers.js";
import { UsageError } from "../../errors.js";

const DEFAULT_PORT: Record<Kind, number> = { http: 80, tcp: 7, udp: 7 };

export async function serveCmd(kind: Kind, opts: { port?: number; host: string; name?: string }): Promise<number> {
  const port = opts.port ?? DEFAULT_PORT[kind];
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not ${opts.port}`);
  const name = opts.name ?? process.env.NETLAB_NODE ?? hostname();
  let server;
  try {
    server = await startServer(kind, { port, host: opts.host, name });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (opts.host === "::" && (err.code === "EAFNOSUPPORT" || err.code === "EADDRNOTAVAIL")) {
      server = await startServer(kind, { port, host: "0.0.0.0", name }); // IPv6 is off in this namespace
    } else if (err.code === "EADDRINUSE") {
      throw new UsageError(`port ${port} is already in use here`, "pick another --port");
    } else if (err.code === "EACCES") {
      throw new UsageError(`port ${port} needs root`, "run as root or pick a port above 1023");
    } else throw e;
  }
  process.stderr.write(`netlab serve ${kind}: ${name} listening on port ${server.port}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  return 0;
}
