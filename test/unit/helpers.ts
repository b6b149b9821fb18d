// Shared by the unit tests of validation.
import { LabError, formatProblem } from "../../src/errors.js";
import { labFromText } from "../../src/lab/load.js";

/** The formatted problems of a lab that must be refused. */
export function problems(yaml: string): string[] {
  try {
    labFromText(yaml, "lab.yaml");
  } catch (e) {
    if (e instanceof LabError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error("expected the lab to be rejected");
}
