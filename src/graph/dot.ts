// Graphviz DOT; `dot -Tsvg` makes the SVG (graph.ts).
import type { Topology, Vertex } from "./topology.js";

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

const STYLE: Record<Vertex["kind"], string> = {
  node: 'shape=box, style="rounded,filled", fillcolor="#e8f1fb"',
  vhost: 'shape=box3d, style=filled, fillcolor="#f3f3f3"',
  host: 'shape=box3d, style=filled, fillcolor="#f3f3f3"',
  service: 'shape=cds, style=filled, fillcolor="#e3f2e8"',
  bridge: 'shape=ellipse, style=filled, fillcolor="#fff4d6"',
  vxlan: 'shape=hexagon, style=filled, fillcolor="#e6f5e6"',
  macvlan: 'shape=parallelogram, style=filled, fillcolor="#f6e8f6"',
  ipvlan: 'shape=parallelogram, style=filled, fillcolor="#f6e8f6"',
  vlan: 'shape=parallelogram, style=filled, fillcolor="#f6e8f6"',
};

const vertex = (v: Vertex, indent: string) => `${indent}${v.id} [label=${q([v.title, ...v.lines].join("\n"))}, ${STYLE[v.kind]}];`;

export function toDot(t: Topology): string {
  const out = [
    `graph ${q(t.lab)} {`,
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=12, label=${q(`${t.lab}${t.description ? `: ${t.description}` : ""}`)}, labelloc=t];`,
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  for (const v of t.vertices.filter((x) => !x.cluster)) out.push(vertex(v, "  "));
  for (const c of t.clusters) {
    out.push(`  subgraph ${c.id} {`, `    graph [label=${q(c.title)}, style="rounded,dashed", color="#888888"];`);
    for (const v of t.vertices.filter((x) => x.cluster === c.id)) out.push(vertex(v, "    "));
    out.push("  }");
  }
  for (const e of t.edges) out.push(`  ${e.from} -- ${e.to} [label=${q(e.label)}${e.link ? ", penwidth=2" : ""}];`);
  out.push("}");
  return out.join("\n") + "\n";
}
