// The matrix's waves (check/matrix-waves.ts): every pair probed once, and no wave making more
// neighbour entries than the kernel's table is given — the 500-pod benchmark lost cells to
// "neighbor table overflow" before the entries of a REJECT on one node were counted.
import { describe, expect, it } from "vitest";
import { matrixWaves } from "../../src/check/matrix-waves.js";

const cluster = (perNode: number[]) => perNode.flatMap((n, h) => Array.from({ length: n }, () => ({ host: `node${h + 1}` })));
/** Every entry a probe can make, as the kernel makes them (pods on one node: straight and via the gateway). */
const made = (pods: { host: string }[], wave: [number, number][]) =>
  new Set(wave.flatMap(([a, b]) => [`${a}>gw`, `${pods[a].host}>${a}`, `${b}>gw`, `${pods[b].host}>${b}`, ...(pods[a].host === pods[b].host ? [`${a}>${b}`, `${b}>${a}`] : [])]));

describe("matrix waves", () => {
  it("500 pods on 4 nodes: each ordered pair once, each wave within the budget", () => {
    const pods = cluster([125, 125, 125, 125]);
    const waves = matrixWaves(pods, (a, b) => a !== b, 768);
    const pairs = waves.flat().map(([a, b]) => a * 1000 + b);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.length).toBe(500 * 499);
    expect(Math.max(...waves.map((w) => made(pods, w).size))).toBeLessThanOrEqual(768);
    expect(waves.length).toBeLessThan(120);
  });

  it("a small cluster is one wave; pairs not wanted (the diagonal, pods serving nothing) are not probed", () => {
    const pods = cluster([3, 2]);
    const waves = matrixWaves(pods, (a, b) => a !== b && b !== 4, 768);
    expect(waves.length).toBe(1);
    expect(waves[0].length).toBe(5 * 4 - 4);
    expect(waves[0].some(([, b]) => b === 4)).toBe(false);
  });
});
