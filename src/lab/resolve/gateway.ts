// A bridge's gateway mode and trusted interfaces — Docker 28's `gateway_mode_ipv4/6` and
// `trusted_host_interfaces` (docs.docker.com/engine/network/packet-filtering-firewalls/):
// decided here once, read by the netfilter feature (plan/features/gateway.ts).
import type { KeyPath } from "../../errors.js";
import { validIfName } from "../../net/names.js";
import type { GatewayMode, Network } from "../model.js";
import type { RawLab } from "../schema.js";
import type { Problems } from "./context.js";

type RawNet = NonNullable<RawLab["networks"]>[string];

/** `nat`, `nat6`, `gatewayMode`, `trusted` of a network: nat implies mode nat; a mode implies its NAT. */
export function gatewayOf(P: Problems, r: RawNet, kind: Network["kind"], path: KeyPath): Pick<Network, "nat" | "nat6" | "gatewayMode" | "trusted"> {
  if ((r.gatewayMode || r.trustedInterfaces) && kind !== "bridge")
    P.add([...path, r.gatewayMode ? "gatewayMode" : "trustedInterfaces"], `a ${kind} network has no gateway on the host to filter`, "gateway modes are a bridge's (kind: bridge)");
  const mode: GatewayMode | null = r.gatewayMode ?? (r.nat || r.nat6 ? "nat" : null);
  if (mode === "routed" && (r.nat || r.nat6))
    P.add([...path, "gatewayMode"], "gatewayMode routed means no NAT, but the network also says nat: true", "drop nat: (routed members keep their own addresses), or use gatewayMode: nat");
  const natted = mode === "nat" || mode === "nat-unprotected";
  const trusted = r.trustedInterfaces ?? [];
  trusted.forEach((t, i) => {
    const e = validIfName(t);
    if (e) P.add([...path, "trustedInterfaces", i], `"${t}" is not an interface name: ${e}`, "name a host interface as `ip link` shows it, e.g. uplink");
  });
  if (trusted.length && mode !== "nat")
    P.add([...path, "trustedInterfaces"], `trustedInterfaces only matter in gatewayMode nat (this network's is ${mode ?? "none: not filtered at all"})`, "remove trustedInterfaces, or set nat: true");
  return {
    nat: r.nat ?? (natted && r.nat6 === undefined),
    nat6: r.nat6 ?? false,
    gatewayMode: mode,
    trusted,
  };
}
