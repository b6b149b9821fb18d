// Pass: link impairments (`links[].netem`, `networks.X.netem`) checked, normalised to tc's
// spelling, and put on every interface they apply to: both ends of a link, every member of a network.
import type { KeyPath } from "../../errors.js";
import { parsePercent, parseRate, parseTime, type Netem } from "../../net/tc.js";
import type { Intf } from "../model.js";
import type { RawNetwork } from "../schema.js";
import type { Ctx } from "./context.js";

type RawNetem = NonNullable<RawNetwork["netem"]>;

function netemOf(c: Ctx, raw: RawNetem, path: KeyPath): Netem | null {
  const out: Netem = {};
  let ok = true;
  const bad = (key: string, message: string, hint: string) => { c.P.add([...path, key], message, hint); ok = false; };
  for (const key of ["delay", "jitter"] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    const t = parseTime(v);
    if (t) out[key] = t;
    else bad(key, `${JSON.stringify(v)} is not a duration`, `write it like "20ms", "500us" or "1s" (a bare number is milliseconds)`);
  }
  if (raw.jitter !== undefined && raw.delay === undefined) bad("jitter", "jitter without delay", "jitter varies a delay: add delay, e.g. delay: 20ms");
  if (raw.loss !== undefined) {
    const p = parsePercent(raw.loss);
    if (!p) bad("loss", `${JSON.stringify(raw.loss)} is not a percentage`, `write it like "1%" or "0.5%"`);
    else if (p.value > 100) bad("loss", `${p.text} is more than 100%`, "a share of packets lost is between 0% and 100%");
    else out.loss = p.text;
  }
  if (raw.rate !== undefined) {
    const r = parseRate(raw.rate);
    if (r) out.rate = r.text;
    else bad("rate", `${JSON.stringify(raw.rate)} is not a rate`, `write it like "10mbit", "512kbit" or "1gbit" (bit: bits per second, bps: bytes per second)`);
  }
  if (ok && !Object.keys(out).length) c.P.add(path, "netem says nothing", "give at least one of delay, jitter, loss, rate, or remove netem:");
  return ok && Object.keys(out).length ? out : null;
}

function everyIntf(c: Ctx): Intf[] {
  return [...c.host.intfs, ...[...c.nodes.values()].flatMap((n) => n.intfs)];
}

export function netemPass(c: Ctx): void {
  (c.raw.links ?? []).forEach((l, li) => {
    if (!l.netem) return;
    const n = netemOf(c, l.netem, ["links", li, "netem"]);
    if (!n) return;
    const link = c.links.find((k) => k.index === li);
    if (link) link.netem = n;
    for (const i of everyIntf(c)) if (i.kind === "veth" && i.link === li) i.netem = n;
  });
  for (const [name, rn] of Object.entries(c.rawNets)) {
    if (!rn.netem) continue;
    const n = netemOf(c, rn.netem, ["networks", name, "netem"]);
    const net = c.networks.find((x) => x.name === name);
    if (!n || !net) continue;
    net.netem = n;
    for (const i of everyIntf(c)) if (i.kind !== "veth" && i.network === name) i.netem = n;
  }
}
