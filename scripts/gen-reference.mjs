#!/usr/bin/env node
// Part of the build: rewrites the generated blocks of docs/lab-format.md — one table per part
// of the lab format, from src/lab/reference/, and the commands, from the CLI's definitions.
// test/unit/reference.test.ts fails when the committed file differs from what this writes.
import { readFileSync, writeFileSync } from "node:fs";
const { REFERENCE_DOC, referenceBlocks } = await import("../dist/cli/reference-doc.js");
const file = new URL(`../${REFERENCE_DOC}`, import.meta.url);
const text = readFileSync(file, "utf8");
const out = referenceBlocks(text);
if (out !== text) writeFileSync(file, out);
