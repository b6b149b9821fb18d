// Small checks shared by the passes.
import type { KeyPath } from "../../errors.js";
import { Problems } from "./context.js";

/** A DNS name as Docker's embedded DNS answers them: letters, digits, '-', and '_' (container names such as nextcloud_db). */
export const DNS_NAME = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

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

export { closest, editDistance } from "../../suggest.js";
