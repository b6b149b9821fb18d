// docs/lab-format.md's generated blocks: the lab format's tables (lab/reference/render.ts) and
// the commands (reference.ts, from main.ts's definitions). scripts/gen-reference.mjs writes them
// at build time; test/unit/reference.test.ts checks the committed file against them.
import { labBlocks, replaceBlocks } from "../lab/reference/render.js";
import { program } from "./main.js";
import { commandsReference } from "./reference.js";

export const REFERENCE_DOC = "docs/lab-format.md";

/** Every generated block, by id: the lab format's sections and `commands`. */
export const generatedBlocks = (): Record<string, string> => ({ ...labBlocks(), commands: commandsReference(program) });

/** The document with every generated block rewritten; throws when one's markers are missing. */
export const referenceBlocks = (text: string): string => replaceBlocks(text, generatedBlocks());
