// What the bridges of one namespace need from netfilter, as Docker sets it up: `internal`
// networks cut off, user-defined networks isolated from each other, masquerade for `nat`,
// routed lab traffic accepted where the FORWARD policy is DROP, and frames bridged inside one
// network accepted (they pass FORWARD when br_netfilter is loaded).
import type { Network } from "../../lab/model.js";
import type { Ruleset } from "../ruleset.js";

export function bridgeFeatures(rs: Ruleset, nets: Network[], hostIfaces: string[], forward: boolean): void {
  // Replies first, as Docker's DOCKER-FORWARD begins: a connection allowed one way (a published
  // port reached from another network) gets its answers back before isolation drops them.
  if (nets.filter((n) => n.isolate && !n.internal).length > 1)
    rs.add("filter", "FWD", "-m conntrack --ctstate RELATED,ESTABLISHED", "ACCEPT", "replies to allowed connections");
  for (const n of nets)
    if (n.internal) {
      rs.add("filter", "FWD", `-i ${n.bridge} ! -o ${n.bridge}`, "DROP", `network ${n.name} internal`);
      rs.add("filter", "FWD", `! -i ${n.bridge} -o ${n.bridge}`, "DROP", `network ${n.name} internal`);
    }
  // Docker's behaviour between user-defined bridges: no forwarding from one to another.
  const isolated = nets.filter((n) => n.isolate && !n.internal);
  for (const a of isolated) for (const b of isolated) if (a !== b) rs.add("filter", "FWD", `-i ${a.bridge} -o ${b.bridge}`, "DROP", `isolate ${a.name} from ${b.name}`);
  for (const n of nets) {
    const subnet = rs.family === 4 ? n.subnet : n.subnet6;
    if ((rs.family === 4 ? n.nat : n.nat6) && subnet) {
      rs.add("filter", "FWD", `-i ${n.bridge} ! -o ${n.bridge}`, "ACCEPT", `network ${n.name} nat out`);
      rs.add("filter", "FWD", `-o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED`, "ACCEPT", `network ${n.name} nat return`);
      rs.add("nat", "POST", `-s ${subnet} ! -o ${n.bridge}`, "MASQUERADE", `network ${n.name} nat`);
    }
  }
  if (forward && hostIfaces.length) {
    // Routed lab traffic flows even where the FORWARD policy is DROP (a Docker host).
    for (const i of hostIfaces) rs.add("filter", "FWD", `-i ${i}`, rs.chain("LABIF"), "lab interface");
    for (const i of hostIfaces) rs.add("filter", "LABIF", `-o ${i}`, "ACCEPT", "lab interface");
  }
  if (rs.has("filter")) for (const n of nets) rs.add("filter", "FWD", `-i ${n.bridge} -o ${n.bridge}`, "ACCEPT", `network ${n.name}`);
}
