#!/usr/bin/env node
// Part of the build: writes schema/netlab.schema.json from the compiled zod schema.
// test/unit/schema.test.ts fails when the committed file differs from what this writes.
import { writeFileSync } from "node:fs";
const { labJsonSchemaText, SCHEMA_FILE } = await import("../dist/lab/json-schema.js");
writeFileSync(new URL(`../${SCHEMA_FILE}`, import.meta.url), labJsonSchemaText());
