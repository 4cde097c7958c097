import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { scenarioSchema } from './scenario';

/**
 * scenario.schema.json is generated from the zod schema so editors and ajv see the same rules the loader
 * enforces (cross-field checks such as uniqueness stay loader-only). Regenerate after changing scenario.ts:
 *   npx tsx tools/simulator/scenario-json-schema.ts
 * A test fails when the shipped file is out of date.
 */
export const SCENARIO_SCHEMA_PATH = resolve(__dirname, 'scenario.schema.json');

export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioSchema, { target: 'draft-2020-12', io: 'input' }),
    title: 'atlas-janitor simulator scenario',
    description: 'Initial state of the Atlas simulator (tools/simulator/README.md). Generated from tools/simulator/scenario.ts.',
  };
}

if (/scenario-json-schema\.ts$/.test(process.argv[1] ?? '')) {
  writeFileSync(SCENARIO_SCHEMA_PATH, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${SCENARIO_SCHEMA_PATH}`);
}
