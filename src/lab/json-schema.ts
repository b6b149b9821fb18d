// The lab file's JSON Schema, for editors (VS Code's YAML extension reads the
// `# yaml-language-server: $schema=…` line). Generated from the zod schema, so the two
// cannot disagree; semantic checks (references, addresses) stay netlab's own.
import * as z from "zod/mini";
import { LabSchema } from "./schema.js";

export const SCHEMA_FILE = "schema/netlab.schema.json";

export function labJsonSchema(): Record<string, unknown> {
  // draft-7: what yaml-language-server and most editors understand best.
  const s = z.toJSONSchema(LabSchema, { target: "draft-7", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    $schema: s.$schema,
    title: "netlab lab file",
    description: "A declarative network lab: nodes (namespaces), networks, links, routes, firewalls and checks. See docs/lab-format.md.",
    ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== "$schema")),
  };
}

export const labJsonSchemaText = (): string => JSON.stringify(labJsonSchema(), null, 2) + "\n";
