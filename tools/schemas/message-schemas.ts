import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { applyEventSchema, planDocumentSchema } from '../../lib/approval';
import { ID_FORMATS } from '../../lib/atlas';
import { deleteJobSchema, scanRequestSchema, sweepEventSchema } from '../../lib/jobs';
import { KIND_NAMES, RULE_NAMES, kindOf } from '../../lib/kinds';

/**
 * The JSON Schemas of the messages other systems send (docs/messages.md), generated from the zod schemas
 * the functions parse with, so an integrator validates against the same rules. `npm run schemas` writes
 * them to docs/schemas/; a test fails when the committed files differ from what this generates.
 */
export const SCHEMA_DIR = resolve(__dirname, '../../docs/schemas');

type Json = Record<string, unknown>;

function generated(schema: z.ZodType, title: string, description: string): Json {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  return { $schema, title, description, ...rest };
}

/**
 * zod keeps the kind and rule names and the per-kind ids in refinements, which JSON Schema cannot see:
 * they are added here from the kind registry, so a kind added to lib/kinds shows up in the schema too.
 * What still only the worker checks: an endpoint id's format per provider, and that `jobId` is the hash
 * of what the job names (docs/messages.md gives the recipe).
 */
function deleteJob(): Json {
  const schema = generated(
    deleteJobSchema,
    'atlas-janitor delete job',
    'A delete job on the FIFO delete queue (MessageGroupId = projectId, MessageDeduplicationId = jobId). Generated from lib/jobs/job.ts; the worker also checks that jobId is the SHA-256 of the resource it names (docs/messages.md).',
  );
  const properties = schema['properties'] as Record<string, Json>;
  properties['kind'] = { ...properties['kind'], enum: [...KIND_NAMES] };
  properties['rule'] = { ...properties['rule'], enum: [...RULE_NAMES] };
  schema['allOf'] = KIND_NAMES.map((name) => {
    const kind = kindOf(name);
    const ids = Object.fromEntries(kind.idFields.map((f) => [f.name, f.format === 'objectId' ? { type: 'string', pattern: ID_FORMATS.objectId.source } : { type: 'string' }]));
    return {
      if: { properties: { kind: { const: name } }, required: ['kind'] },
      then: {
        ...(kind.needsProvider ? { required: ['provider'] } : {}),
        properties: { ids: { properties: ids, required: kind.idFields.map((f) => f.name), additionalProperties: false } },
      },
    };
  });
  return schema;
}

/** Every schema, by file name under docs/schemas/. */
export function messageSchemas(): Record<string, Json> {
  return {
    'scan-request.schema.json': generated(
      scanRequestSchema,
      'atlas-janitor scan request',
      'A request to scan one Atlas project, sent to the scan queue. Generated from lib/jobs/messages.ts.',
    ),
    'delete-job.schema.json': deleteJob(),
    'sweep-event.schema.json': generated(
      sweepEventSchema,
      'atlas-janitor console sweep event',
      'The event a person (Lambda console, sls invoke, aws lambda invoke) sends the sweep function; EventBridge\'s own scheduled event is the other shape it takes. Generated from lib/jobs/messages.ts.',
    ),
    'apply-request.schema.json': generated(
      applyEventSchema,
      'atlas-janitor apply request',
      'Approves a stored plan: the sweep function\'s console event, or a message of the same shape on the scan queue. Exactly the plan\'s jobs minus `exclude` are enqueued, once. Generated from lib/approval/apply.ts.',
    ),
    'plan.schema.json': generated(
      planDocumentSchema,
      'atlas-janitor plan',
      'A plan: every planned deletion with its rule, evidence and job, the Atlas it was read from, when it was made and expires, and `digest`, the SHA-256 (hex) of the plan\'s canonical JSON (keys sorted, no whitespace) without the digest. Generated from lib/approval/plan-document.ts.',
    ),
  };
}

export function schemaText(schema: Json): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (/message-schemas\.ts$/.test(process.argv[1] ?? '')) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, schema] of Object.entries(messageSchemas())) {
    writeFileSync(resolve(SCHEMA_DIR, file), schemaText(schema));
    console.log(`wrote docs/schemas/${file}`);
  }
}
