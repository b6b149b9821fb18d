// Mermaid flowchart: GitHub renders a ```mermaid block in Markdown as the picture.
import type { Topology, Vertex } from "./topology.js";

const esc = (s: string) => s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");

function shape(v: Vertex): string {
  const label = `"${[`<b>${esc(v.title)}</b>`, ...v.lines.map(esc)].join("<br/>")}"`;
  switch (v.kind) {
    case "bridge": return `${v.id}([${label}])`;
    case "vxlan": return `${v.id}{{${label}}}`;
    case "macvlan": case "ipvlan": case "vlan": return `${v.id}[/${label}/]`;
    case "host": case "vhost": return `${v.id}[(${label})]`;
    case "service": return `${v.id}>${label}]`;
    default: return `${v.id}[${label}]`;
  }
}

export function toMermaid(t: Topology): string {
  const out = ["flowchart LR"];
  for (const v of t.vertices.filter((x) => !x.cluster)) out.push(`  ${shape(v)}`);
  for (const c of t.clusters) {
    out.push(`  subgraph ${c.id}["${esc(c.title)}"]`);
    for (const v of t.vertices.filter((x) => x.cluster === c.id)) out.push(`    ${shape(v)}`);
    out.push("  end");
  }
  for (const e of t.edges) out.push(`  ${e.from} ${e.link ? "===" : "---"}|"${esc(e.label)}"| ${e.to}`);
  return out.join("\n") + "\n";
}
