// The matrix's prober (check/prober.ts) run where the test runs (`env` as its "namespace"): real
// connects to a real listener, no root needed. A review found a prober that could not start taken
// for "blocked" cells after a 6 s wait: it must fail at once and say why.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { Prober } from "../../src/check/prober.js";
import { ApplyError } from "../../src/errors.js";

describe("the matrix's prober", () => {
  it("connects: a listener is ., a closed port X, every target at once", async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const p = new Prober(["env"], "here");
    try {
      expect([...(await p.probe(port, ["127.0.0.1", "127.0.0.2"]))]).toEqual([["127.0.0.1", "."], ["127.0.0.2", "X"]]);
      expect([...(await p.probe(port, ["127.0.0.1"]))]).toEqual([["127.0.0.1", "."]]);
    } finally {
      p.close();
      server.close();
    }
  });

  it("one that cannot run fails at once with why, not as X cells", async () => {
    const p = new Prober(["sh", "-c", "echo 'no perl here' >&2; exit 7", "--"], "x/a");
    const t0 = Date.now();
    const e = await p.probe(80, ["10.0.0.1"]).catch((x: unknown) => x);
    p.close();
    expect(e).toBeInstanceOf(ApplyError);
    expect([(e as ApplyError).message, (e as ApplyError).stderr]).toEqual(["the matrix could not probe from x/a: its prober stopped", "no perl here"]);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("a closed one takes no more requests", async () => {
    const p = new Prober(["env"], "here");
    p.close();
    await expect(p.probe(80, ["127.0.0.1"])).rejects.toThrow(/closed/);
  });
});
