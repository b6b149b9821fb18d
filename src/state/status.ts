// `netlab status` reads only the state directory: it must start fast (no YAML, no zod).
import { alive, labsWithState, LabState } from "./store.js";

export interface LabStatus {
  name: string;
  description: string;
  file: string;
  nodes: number;
  isolated: boolean;
  createdAt: string;
  ageSeconds: number;
  state: "up" | "incomplete" | "starting";
}

export function status(): LabStatus[] {
  const out: LabStatus[] = [];
  for (const name of labsWithState()) {
    const st = new LabState(name);
    const meta = st.readMeta();
    if (!meta) continue;
    const complete = st.complete();
    out.push({
      name,
      description: meta.lab.description,
      file: meta.lab.file,
      nodes: meta.lab.nodes.length,
      isolated: meta.lab.isolated,
      createdAt: meta.createdAt,
      ageSeconds: Math.round((Date.now() - Date.parse(meta.createdAt)) / 1000),
      state: complete ? "up" : alive(meta.pid) ? "starting" : "incomplete",
    });
  }
  return out;
}

