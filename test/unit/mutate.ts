// Mutations of lab data for fuzzing (fast-check arbitraries), shared by the unit fuzz and the
// integration test that runs mutated files through the real CLI.
import fc from "fast-check";

export const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

/** Values a careless or hostile author might write anywhere. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("", "host", "0", "-1", "999999", "1e308", "10.0.0.0/33", "::/0", "fe80::1%eth0", "net.//.kernel.hostname", "../../etc/passwd", "a\nb", "\x1b[31m", "$(id)", "'", '"', "*", "eth0", "lo", "default", "none", "a".repeat(300)),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -2, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

type Json = unknown;

/** Every path to a value in a lab (objects and arrays), so a mutation can aim anywhere. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (!path.length) return value;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

/** A shipped lab with 1–4 mutations: a value replaced, a key removed, a key added, a subtree copied elsewhere. */
export function mutatedLab(bases: Record<string, unknown>[]): fc.Arbitrary<Json> {
  const one = (lab: Json): fc.Arbitrary<Json> => {
    const ps = paths(lab).filter((p) => p.length > 0);
    return fc.oneof(
      fc.tuple(fc.constantFrom(...ps), oddValue).map(([p, v]) => setAt(lab, p, v)),
      fc.constantFrom(...ps).map((p) => setAt(lab, p, undefined)),
      fc.tuple(fc.constantFrom(...ps), fc.constantFrom("kind", "in", "host", "replace", "netem", "ip", "iface", "publish", "sysctls", "routes", "expect", "bogus"), oddValue).map(([p, k, v]) => setAt(lab, [...p.slice(0, -1), k], v)),
      fc.tuple(fc.constantFrom(...ps), fc.constantFrom(...ps)).map(([a, b]) => setAt(lab, b, structuredClone(a.reduce((x: any, k) => x?.[k], lab)))),
    );
  };
  return fc.constantFrom(...bases).chain((base) => fc.integer({ min: 1, max: 4 }).chain((n) => {
    let arb: fc.Arbitrary<Json> = fc.constant(base);
    for (let i = 0; i < n; i++) arb = arb.chain(one);
    return arb;
  }));
}
