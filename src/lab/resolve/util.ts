// Small checks shared by the passes.
import type { KeyPath } from "../../errors.js";
import { Problems } from "./context.js";

export function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function unsafeLine(s: string): boolean {
  return /[\n\r\0]/.test(s);
}

export function validMac(m: string): boolean {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(m) && (parseInt(m.slice(0, 2), 16) & 1) === 0;
}

export function checkCommand(P: Problems, cmd: string, path: KeyPath): boolean {
  if (cmd.trim() === "" || cmd.includes("\0")) { P.add(path, "a command cannot be empty", 'e.g. "netlab serve http --port 80"'); return false; }
  return true;
}

export function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) { bestD = d; best = o; }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}
