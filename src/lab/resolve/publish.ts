// `publish:` — Docker's -p forms.
import type { KeyPath } from "../../errors.js";
import { parseAddr } from "../../net/ip.js";
import { networkOf, samePublishedPort, type Network, type Node } from "../model.js";
import { Problems } from "./context.js";

/** Docker's -p forms: "8080:80", "127.0.0.1:8080:80", "5353:53/udp", "80" (the same port on the host). */
export type Taken = Pick<Node["publish"][number], "on" | "proto" | "hostPort" | "hostIp"> & { who: string };


export function resolvePublish(P: Problems, raw: string[], path: KeyPath, node: Node, networks: Network[], taken: Taken[]): Node["publish"] {
  const out: Node["publish"] = [];
  raw.forEach((spec, i) => {
    const p: KeyPath = [...path, i];
    // Docker's forms; a bare container port ("80") is published on the same host port.
    const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec.trim());
    if (!m) {
      P.add(p, `"${spec}" is not a port to publish`, 'write it like "8080:80", "127.0.0.1:8080:80", "5353:53/udp" or "80"');
      return;
    }
    const [, ip, hp, cp, proto = "tcp"] = m;
    const hostPort = Number(hp ?? cp), port = Number(cp);
    if (ip !== undefined && !parseAddr(ip)) { P.add(p, `"${ip}" is not an IPv4 address`, "bind to an address of the host, e.g. 127.0.0.1"); return; }
    for (const [what, v] of [["host port", hostPort], ["port", port]] as const)
      if (v < 1 || v > 65535) { P.add(p, `${what} ${v} is not a port (1-65535)`); return; }
    // The ports are the node's machine's: the lab's host, or its virtual host (`host:`).
    const on = node.host ?? null;
    const legs = node.intfs.filter((i) => {
      const net = networks.find((n) => n.name === networkOf(i));
      return net && net.kind === "bridge" && net.holder === on && net.gateway && i.addrs.some((a) => !a.includes(":"));
    });
    // Through a network with a way out, as Docker publishes through the container's gateway network.
    const leg = legs.find((i) => !networks.find((n) => n.name === networkOf(i))!.internal) ?? legs[0];
    if (!leg) {
      P.add(p, `${node.name} is on no network ${on ? `host ${on}` : "the host"} holds a bridge for, so ${on ?? "the host"} cannot forward to it`, on ? `put the node on a network of ${on} with a subnet` : "put the node on a network with a subnet (and no `in:`)", [path.slice(0, 2)]);
      return;
    }
    const net = networks.find((n) => n.name === networkOf(leg))!;
    const clash = taken.find((t) => t.on === on && samePublishedPort(t, { proto: proto as "tcp" | "udp", hostPort, hostIp: ip }));
    if (clash) {
      P.add(p, `host port ${hostPort}/${proto} is already published by ${clash.who}`, "publish each host port once; pick another host port");
      return;
    }
    if (leg.kind === "bridge") leg.hairpin = true; // it may reach itself through this port
    taken.push({ on, proto: proto as "tcp" | "udp", hostPort, hostIp: ip, who: `${node.name} ("${spec}")` });
    out.push({ on, hostIp: ip, hostPort, port, proto: proto as "tcp" | "udp", to: leg.addrs.find((a) => !a.includes(":"))!.split("/")[0], bridge: net.bridge, subnet: net.subnet!, spec });
  });
  return out;
}
