// A Compose file's project name and active profiles, as Compose decides them.
import { basename, dirname, resolve } from "node:path";
import { LAB_NAME } from "../net/names.js";
import type { Lookup } from "./interpolate.js";

/** Compose's normalisation (compose-go's NormalizeProjectName): lowercase, a-z 0-9 _ -, no leading _ or -. */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[_-]+/, "");
}

export interface ProjectName {
  name: string;
  /** Where it came from, for messages: "-p", "COMPOSE_PROJECT_NAME", "name", "directory". */
  from: "-p" | "COMPOSE_PROJECT_NAME" | "name" | "directory";
  /** Why it cannot be used, if it cannot. */
  error?: { message: string; hint: string };
}

/**
 * Compose's order: `-p`, else COMPOSE_PROJECT_NAME (both must already be normal), else the
 * file's `name:` (interpolated already), normalised, else the directory's name, normalised.
 */
export function projectName(file: string, data: Record<string, unknown>, lookup: Lookup, flag?: string): ProjectName {
  const env = lookup("COMPOSE_PROJECT_NAME");
  const explicit = flag ? { name: flag, from: "-p" as const } : env ? { name: env, from: "COMPOSE_PROJECT_NAME" as const } : null;
  let p: ProjectName;
  if (explicit) {
    p = { ...explicit };
    if (normalizeProjectName(explicit.name) !== explicit.name)
      p.error = { message: `invalid project name "${explicit.name}" (from ${explicit.from})`, hint: "a project name is lowercase letters, digits, '_' and '-', starting with a letter or digit" };
  } else if (typeof data.name === "string" && normalizeProjectName(data.name)) {
    p = { name: normalizeProjectName(data.name), from: "name" };
  } else {
    p = { name: normalizeProjectName(basename(dirname(resolve(file)))), from: "directory" };
  }
  if (!p.error && !p.name) p.error = { message: `no project name can be made from ${p.from === "directory" ? `the directory "${basename(dirname(resolve(file)))}"` : `"${String(data.name)}"`}`, hint: "set name: in the file, or pass -p NAME" };
  if (!p.error && !LAB_NAME.test(p.name)) p.error = { message: `the project name "${p.name}" is ${p.name.length} characters; netlab keeps lab names to 63`, hint: "set a shorter name: in the file, or pass -p NAME" };
  return p;
}

/** The profiles that are active: `--profile`, else COMPOSE_PROFILES (comma-separated). */
export function activeProfiles(lookup: Lookup, flags?: string[]): string[] {
  const list = flags?.length ? flags : (lookup("COMPOSE_PROFILES") ?? "").split(",");
  return list.map((s) => s.trim()).filter(Boolean);
}

/** Whether a service runs: one without profiles always does; else one of its profiles must be active ("*": all). */
export function enabled(profiles: unknown, active: string[]): boolean {
  if (!Array.isArray(profiles) || !profiles.length) return true;
  return active.includes("*") || profiles.some((p) => active.includes(String(p)));
}
