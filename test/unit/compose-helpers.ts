// Shared by the Compose unit tests: a Compose file loaded as if it were /nowhere/p/docker-compose.yml,
// with an empty environment unless a test gives one.
import { formatProblem, LabError } from "../../src/errors.js";
import { labFromText, sourceOf } from "../../src/lab/load.js";
import type { ComposeOptions } from "../../src/compose/env.js";

const NO_ENV: ComposeOptions = { environment: {} };
export const load = (yaml: string, compose: ComposeOptions = NO_ENV) => labFromText(yaml, "/nowhere/p/docker-compose.yml", { compose });
export const problems = (yaml: string, compose: ComposeOptions = NO_ENV): string[] => {
  try {
    load(yaml, compose);
  } catch (e) {
    if (e instanceof LabError) return e.problems.map(formatProblem).map((p) => p.replace("/nowhere/p/", ""));
    throw e;
  }
  throw new Error("expected the file to be refused");
};
export const warnings = (yaml: string, compose: ComposeOptions = NO_ENV) => (sourceOf(load(yaml, compose))?.warnings ?? []).map(formatProblem).map((p) => p.replace("/nowhere/p/", ""));
