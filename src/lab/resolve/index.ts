// Semantic checks and resolution: from a schema-valid raw lab to a Lab where every name,
// address and route is decided. Small passes run in order over a shared context (context.ts);
// all problems are collected and reported together, each with its location, so that a user
// fixes a file in one pass.
import { LabError, printable } from "../../errors.js";
import type { Lab } from "../model.js";
import type { RawLab } from "../schema.js";
import type { LabSource } from "../source.js";
import { isolatedHostNs } from "../../net/names.js";
import { attachPass } from "./attach.js";
import { checksPass } from "./checks-pass.js";
import { Ctx, type ResolveOptions } from "./context.js";
import { hostPass } from "./host.js";
import { parentsPass } from "./kinds.js";
import { linksPass } from "./links.js";
import { netemPass } from "./netem.js";
import { networksPass } from "./networks.js";
import { nodesPass } from "./nodes.js";
import { overlapsPass } from "./overlaps.js";
import { recordsPass } from "./records.js";

export { validateShape } from "./describe.js";

/** The passes, in order: each may use what the ones before it decided. */
const PASSES = [networksPass, attachPass, linksPass, netemPass, parentsPass, overlapsPass, nodesPass, hostPass, recordsPass, checksPass];

/** Turn a schema-valid lab into a resolved Lab, or throw LabError with every problem found. */
export function resolveLab(src: LabSource, raw: RawLab, opts: ResolveOptions = {}): Lab {
  const c = new Ctx(src, raw, opts);
  for (const pass of PASSES) pass(c);
  if (c.P.list.length) throw new LabError(c.P.list, c.P.more);
  return {
    name: c.lab,
    description: printable(raw.description ?? ""),
    file: src.file,
    isolated: c.isolated,
    hostNs: c.isolated ? isolatedHostNs(c.lab) : null,
    networks: c.networks,
    nodes: [...c.nodes.values()],
    links: c.links,
    host: c.host,
    checks: c.checks,
    ...(c.records.length ? { records: c.records } : {}),
  };
}
