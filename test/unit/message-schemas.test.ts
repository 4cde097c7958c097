import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIR, messageSchemas, schemaText } from '../../tools/schemas/message-schemas';
import { docPage, jsonBlocks } from '../support/docs';

const committed = (file: string) => JSON.parse(readFileSync(resolve(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;

function validator(file: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(committed(file));
}

describe('the committed JSON Schemas of the messages', () => {
  it('are exactly what npm run schemas generates from the zod schemas (run it after changing lib/jobs or a kind)', () => {
    const generated = messageSchemas();
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual(Object.keys(generated).sort());
    for (const [file, schema] of Object.entries(generated)) {
      expect(readFileSync(resolve(SCHEMA_DIR, file), 'utf8'), `docs/schemas/${file} is stale: npm run schemas`).toBe(schemaText(schema));
    }
  });

  it('accept the examples of docs/messages.md', () => {
    const blocks = jsonBlocks(docPage('messages.md'));
    const scan = validator('scan-request.schema.json');
    const job = validator('delete-job.schema.json');
    const event = validator('sweep-event.schema.json');
    expect(scan(blocks.find((b) => b['type'] === 'scan')), JSON.stringify(scan.errors)).toBe(true);
    expect(job(blocks.find((b) => b['type'] === 'delete')), JSON.stringify(job.errors)).toBe(true);
    expect(event(blocks.find((b) => 'inline' in b)), JSON.stringify(event.errors)).toBe(true);
  });

  it('refuse what the functions refuse: an unknown field, a kind without its ids, an unknown rule', () => {
    const example = jsonBlocks(docPage('messages.md')).find((b) => b['type'] === 'delete')!;
    const job = validator('delete-job.schema.json');
    expect(validator('scan-request.schema.json')({ type: 'scan', projectId: '406ff261a3beb006b009990c', force: true })).toBe(false);
    expect(job({ ...example, ids: { endpointServiceId: '7dd11b7875cdf816c0d28238' } })).toBe(false);
    expect(job({ ...example, kind: 'networkPeering' })).toBe(false);
    expect(job({ ...example, rule: 'no-such-rule' })).toBe(false);
    expect(job({ ...example, provider: undefined })).toBe(false);
  });
});
