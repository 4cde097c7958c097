/**
 * Derives the repository's copy of the Atlas spec subset: only the machine facts of each operation
 * (paths, methods, operation ids, parameters, schemas, patterns, enums, media types, status codes),
 * none of MongoDB's prose (descriptions, summaries, examples, external docs, titles, tags). The contract
 * tests read the derived copy, so a clone of the repository alone can run them; a drift test derives it
 * again wherever MongoDB's published subset is given to it; without one, that test skips and says why.
 *
 * Usage: npx tsx tools/spec/derive.ts PUBLISHED_SUBSET.yaml   (rewrites FACTS_PATH)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The committed, derived copy the contract tests read. */
export const FACTS_PATH = resolve(__dirname, 'atlas-v2-network-facts.json');

/** Annotations written for people: they constrain nothing a request or response can violate. */
const PROSE = new Set(['description', 'summary', 'example', 'examples', 'externalDocs', 'title', 'tags', 'info', 'termsOfService', 'contact', 'license']);

/** The only vendor extension that is a fact: which provider variant's fields a flattened schema allows. */
const KEPT_EXTENSIONS = new Set(['x-xgen-discriminator']);

/**
 * Keys whose values are maps from a name the spec chose (a path, a property, a status code, a media
 * type) to an object: their keys are data, never annotations, so a property called `description` stays.
 */
const NAMED_MAPS = new Set(['paths', 'properties', 'responses', 'content', 'schemas', 'parameters', 'headers', 'securitySchemes', 'mapping', 'scopes', 'requestBodies', 'patternProperties']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strip(value: Json): Json {
  if (Array.isArray(value)) return value.map(strip);
  if (!isObject(value)) return value;
  const out: { [key: string]: Json } = {};
  for (const [key, child] of Object.entries(value)) {
    if (PROSE.has(key) || (key.startsWith('x-') && !KEPT_EXTENSIONS.has(key))) continue;
    out[key] = NAMED_MAPS.has(key) && isObject(child) ? stripEach(child) : strip(child);
  }
  return out;
}

/** A named map: every name stays; each value is stripped. (`parameters` is a list in operations.) */
function stripEach(map: { [key: string]: Json }): Json {
  return Object.fromEntries(Object.entries(map).map(([name, child]) => [name, strip(child)]));
}

/** The facts of a parsed OpenAPI document, as the text committed at FACTS_PATH. */
export function deriveFacts(published: string): string {
  const document = parseYaml(published) as Json;
  if (!isObject(document) || typeof document['openapi'] !== 'string' || !isObject(document['paths'] ?? null)) {
    throw new Error('not an OpenAPI 3 document (no "openapi" version or "paths")');
  }
  return `${JSON.stringify(strip(document), null, 2)}\n`;
}

if (/[\\/]spec[\\/]derive\.ts$/.test(process.argv[1] ?? '')) {
  const source = process.argv[2];
  if (!source || process.argv.length > 3) {
    process.stderr.write('usage: npx tsx tools/spec/derive.ts PUBLISHED_SUBSET.yaml\n');
    process.exit(2);
  }
  writeFileSync(FACTS_PATH, deriveFacts(readFileSync(source, 'utf8')));
  process.stdout.write(`wrote ${FACTS_PATH}\n`);
}
