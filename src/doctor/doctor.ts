// `netlab doctor`: which tools and kernel features this machine has for netlab, what each
// missing one costs (the lab keys that need it) and what provides it; and which labs can run
// here — the shipped ones, or those named — so that CI can ask before it tries.
import { readFileSync, statSync } from "node:fs";
import { EnvError, LabError } from "../errors.js";
import { findLabFile, shippedLabs } from "../lab/find.js";
import { labFromText } from "../lab/load.js";
import { probeTool, type Lab } from "../lab/model.js";
import { needsNetem } from "../net/tc.js";
import { compile } from "../plan/compile.js";
import { moduleOf, probe } from "../runtime/kernel.js";
import { toolsFor } from "../runtime/ops/index.js";
import { run } from "../runtime/proc.js";
import { hasTool, packageOf } from "../runtime/tools.js";
import { KERNEL, KERNEL_HINT, TOOLS } from "./facts.js";

export interface Finding {
  name: string;
  ok: boolean | null;
  detail: string;
  costs: string;
  /** What to install or do when it is missing. */
  fix?: string;
}

export interface LabFitness {
  lab: string;
  file: string;
  ok: boolean;
  missing: string[];
}

export interface Report {
  tools: Finding[];
  kernel: Finding[];
  system: Finding[];
  labs: LabFitness[];
  ok: boolean;
}

async function iptablesBackend(): Promise<string> {
  if (!hasTool("iptables")) return "";
  const v = await run(["iptables", "-V"]);
  return v.stdout.trim(); // "iptables v1.8.9 (nf_tables)"
}

async function tools(): Promise<Finding[]> {
  const backend = await iptablesBackend();
  return TOOLS.map((t) => {
    const ok = hasTool(t.tool);
    return { name: t.tool, ok, detail: ok ? (t.tool === "iptables-restore" && backend ? backend : "found") : "missing", costs: t.costs, ...(ok ? {} : { fix: `apt-get install ${packageOf(t.tool)}` }) };
  });
}

async function kernel(root: boolean): Promise<Finding[]> {
  if (!root || !hasTool("unshare")) {
    return KERNEL.map((k) => ({ name: k.feature, ok: null, detail: root ? "not probed: unshare is missing" : "not probed: needs root", costs: k.costs }));
  }
  const have = await probe(KERNEL.map((k) => k.feature), hasTool);
  return KERNEL.map((k) => {
    const ok = have[k.feature];
    const detail = ok === null ? "not probed: its tool is missing" : ok ? "works" : `missing (module ${moduleOf(k.feature)})`;
    return { name: k.feature, ok, detail, costs: k.costs, ...(ok === false ? { fix: KERNEL_HINT.replace("MODULE", moduleOf(k.feature)) } : {}) };
  });
}

function system(root: boolean): Finding[] {
  const out: Finding[] = [];
  out.push({ name: "root", ok: root, detail: root ? "yes" : "no", costs: "up, down, exec, test, capture (namespaces need root)", ...(root ? {} : { fix: "run it with sudo" }) });
  let shm: Finding = { name: "/dev/shm", ok: false, detail: "missing", costs: "nodes' /etc/hosts and resolv.conf go to /run/netlab instead (slower for large labs)", fix: "mount a tmpfs on /dev/shm" };
  try {
    if (statSync("/dev/shm").isDirectory()) shm = { name: shm.name, ok: true, detail: "present", costs: shm.costs };
  } catch {
    /* missing */
  }
  out.push(shm);
  const major = Number(process.versions.node.split(".")[0]);
  out.push({ name: "node", ok: major >= 20, detail: `v${process.versions.node}`, costs: "netlab itself", ...(major >= 20 ? {} : { fix: "Node.js 20 or newer (scripts/setup.sh installs it)" }) });
  return out;
}

/** The tools and kernel features one lab needs: from its plan, its checks, its commands and its kinds. */
function needs(lab: Lab): { tools: string[]; kernel: string[] } {
  const plan = compile(lab, { stateDir: `/run/netlab/${lab.name}` });
  const probeTools = lab.checks.map(probeTool);
  const commands = [...lab.host.run, ...lab.host.exec, ...lab.nodes.flatMap((n) => [...n.run, ...n.exec])].map((c) => c.trim().split(/\s+/)[0]);
  const known = new Set(TOOLS.map((t) => t.tool));
  const kinds = lab.networks.map((n) => n.kind);
  const impair = [...lab.links.map((l) => l.netem), ...lab.networks.map((n) => n.netem)].filter((n) => !!n).map((n) => (needsNetem(n!) ? "netem" : "tbf"));
  return {
    tools: [...new Set([...toolsFor(plan), ...probeTools, ...commands.filter((c) => known.has(c))])].filter((t) => known.has(t)),
    kernel: [...new Set(["veth", ...kinds, ...impair])],
  };
}

function fitness(file: string, have: Map<string, boolean | null>): LabFitness {
  let lab: Lab;
  try {
    lab = labFromText(readFileSync(file, "utf8"), file);
  } catch (e) {
    if (e instanceof LabError) return { lab: file.replace(/^.*\//, ""), file, ok: false, missing: ["a valid lab file (netlab validate says why)"] };
    throw e;
  }
  const n = needs(lab);
  const missing = [...n.tools.filter((t) => have.get(t) === false), ...n.kernel.filter((k) => have.get(k) === false).map((k) => `${k} (module ${moduleOf(k)})`)];
  return { lab: lab.name, file, ok: missing.length === 0, missing };
}

export async function doctor(labRefs: string[] = []): Promise<Report> {
  const root = process.getuid?.() === 0;
  const [t, k] = await Promise.all([tools(), kernel(root)]);
  const s = system(root);
  const have = new Map<string, boolean | null>([...t, ...k].map((f) => [f.name, f.ok]));
  const files = labRefs.length
    ? labRefs.map((r) => {
        const f = findLabFile(r);
        if (!f) throw new EnvError(`no lab "${r}"`, "name a lab file or a shipped lab (netlab labs)");
        return f;
      })
    : shippedLabs();
  const labs = files.map((f) => fitness(f, have));
  // What the labs need decides; tools and features no lab asked for are information.
  const ok = labs.every((l) => l.ok) && s.every((x) => x.ok !== false || x.name === "/dev/shm");
  return { tools: t, kernel: k, system: s, labs, ok };
}
