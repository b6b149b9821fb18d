// `netlab status` reads the state directory and a few live facts: it must start fast (no
// YAML, no zod, no planning: what a lab must have was recorded at `up`).
import { drift } from "./runtime/drift.js";
import { alive, labsWithState, LabState } from "./state/store.js";

export interface LabStatus {
  name: string;
  description: string;
  file: string;
  nodes: number;
  isolated: boolean;
  createdAt: string;
  ageSeconds: number;
  /** up: complete and whole; degraded: complete, but something it made is gone (see missing). */
  state: "up" | "degraded" | "incomplete" | "starting";
  missing?: string[];
  /** A namespace of it is gone: only down and up again remake it. */
  fatal?: boolean;
}

export async function status(): Promise<LabStatus[]> {
  return Promise.all(
    labsWithState().flatMap((name) => {
      const st = new LabState(name);
      const meta = st.readMeta();
      if (!meta) return [];
      return [
        (async (): Promise<LabStatus> => {
          let journal;
          try {
            journal = st.journal();
          } catch (e) {
            return { name, description: meta.lab.description, file: meta.lab.file, nodes: meta.lab.nodes.length, isolated: meta.lab.isolated, createdAt: meta.createdAt, ageSeconds: 0, state: "incomplete", missing: [(e as Error).message] };
          }
          const complete = journal.some((e) => e.t === "complete");
          const d = complete ? await drift(meta, journal) : null;
          return {
            name,
            description: meta.lab.description,
            file: meta.lab.file,
            nodes: meta.lab.nodes.length,
            isolated: meta.lab.isolated,
            createdAt: meta.createdAt,
            ageSeconds: Math.round((Date.now() - Date.parse(meta.createdAt)) / 1000),
            state: d ? (d.missing.length ? "degraded" : "up") : alive(meta.pid) ? "starting" : "incomplete",
            ...(d?.missing.length ? { missing: d.missing, fatal: d.fatal } : {}),
          };
        })(),
      ];
    }),
  );
}
