// Every key of the lab format, read from the zod schema itself: the paths the reference must
// document (test/unit/reference.test.ts) and the order its tables list them in.
import * as z from "zod/mini";
import { FirewallSchema, LabSchema, NetemSchema, RouteSchema } from "../schema.js";

/**
 * Shapes used in several places (a firewall on a node, a virtual host and `host`) are documented
 * once, under their own name: `firewall.input`, not `nodes.*.firewall.input`.
 */
export const SHARED = new Map<z.ZodMiniType, string>([
  [RouteSchema, "route"],
  [FirewallSchema, "firewall"],
  [NetemSchema, "netem"],
]);

export interface SchemaKey {
  /** `networks.*.subnet` (a record's entries are `*`, a list's items `[]`), `route.via` in a shared shape. */
  path: string;
  /** The key's schema, as the object holding it declares it (with its optional and description). */
  schema: z.ZodMiniType;
  /** Its hover text, as schema.ts registered it for the JSON Schema. */
  description?: string;
}

type Def = {
  type: string;
  innerType?: z.ZodMiniType;
  in?: z.ZodMiniType;
  shape?: Record<string, z.ZodMiniType>;
  element?: z.ZodMiniType;
  items?: z.ZodMiniType[];
  valueType?: z.ZodMiniType;
  options?: z.ZodMiniType[];
};

/**
 * The keys of a schema in declaration order, depth first. Only an object's properties are keys:
 * a map of user-chosen names (`sysctls`, `files`) to plain values is one key, documented whole.
 */
export function schemaKeys(root: z.ZodMiniType = LabSchema): SchemaKey[] {
  const out: SchemaKey[] = [];
  const seen = new Set<string>();
  const walk = (s: z.ZodMiniType, path: string): void => {
    const def = (s as unknown as { def: Def }).def;
    switch (def.type) {
      case "optional": case "nullable": case "default": case "prefault": case "readonly": case "nonoptional": case "catch":
        return walk(def.innerType!, path);
      case "pipe":
        return walk(def.in!, path);
      case "array":
        return walk(def.element!, `${path}[]`);
      case "tuple":
        return def.items!.forEach((i) => walk(i, `${path}[]`));
      case "record":
        return walk(def.valueType!, `${path}.*`);
      case "union":
        return def.options!.forEach((o) => walk(o, path));
      case "object": {
        const prefix = SHARED.get(s) ?? path;
        for (const [k, v] of Object.entries(def.shape!)) {
          const p = prefix ? `${prefix}.${k}` : k;
          if (seen.has(p)) continue;
          seen.add(p);
          out.push({ path: p, schema: v, description: z.globalRegistry.get(v)?.description });
          walk(v, p);
        }
        return;
      }
      default:
        return; // a value: string, number, boolean, enum, literal
    }
  };
  walk(root, "");
  return out;
}
