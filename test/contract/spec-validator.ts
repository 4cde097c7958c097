/**
 * OpenAPI contract validator for the contract tests: checks every request the Atlas client sends and
 * every response the Atlas simulator returns against the facts of MongoDB's published spec subset
 * (`tools/spec/atlas-v2-network-facts.json`, derived by `tools/spec/derive.ts` and checked for drift by
 * `spec-facts-drift.test.ts`), the v1.0 shapes in `./v1-shapes` and the OAuth token endpoint.
 *
 * Why not openapi-backend: it rejects this document (boolean `exclusiveMinimum`) and validates responses
 * only for `application/json`, while Atlas answers 2xx in versioned media types. So matching, parameter
 * and body checks are done here, bodies with ajv.
 *
 * @example
 * const validator = await loadSpecValidator();
 * const { violations } = validator.validateResponse(request, response);
 * expect(violations).toEqual([]);
 */
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FACTS_PATH } from '../../tools/spec/derive';
import { applySchemaExceptions, pathParamExceptions, SPEC_EXCEPTIONS, StaleSpecExceptionError } from './spec-exceptions';
import type { PathParamException } from './spec-exceptions';
import {
  OAUTH_ERROR_STATUSES,
  OAUTH_TOKEN_PATH,
  OAuthTokenError,
  OAuthTokenResponse,
  V1_ERROR_STATUSES,
  V1_MEDIA_TYPE,
  V1_OPERATIONS,
  OFF_SPEC_V2_OPERATIONS,
} from './v1-shapes';
import type { SchemaObject, V1Operation } from './v1-shapes';

// ---------------------------------------------------------------------------------------------------
// Public surface

/** One request as the request log records it. */
export interface HttpExchangeRequest {
  method: string;
  /** Raw, percent-encoded path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; at least `accept` and `content-type`. */
  headers: Record<string, string | undefined>;
  body?: unknown;
}

/** One response as the request log records it. */
export interface HttpExchangeResponse {
  status: number;
  contentType: string | null;
  /** Parsed JSON, or undefined when there was no body. */
  body: unknown;
}

/** One way an exchange breaks the contract. */
export interface ContractViolation {
  /** e.g. `request.query.itemsPerPage` or `response.body/results/0/statusName`. */
  where: string;
  message: string;
}

export type ApiGeneration = 'v2' | 'v1' | 'oauth';

export interface ContractResult {
  operationId: string | null;
  apiGeneration: ApiGeneration | null;
  violations: ContractViolation[];
}

export interface SpecValidator {
  /** Every v2 operationId in the spec, then the v1.0 names from `./v1-shapes`. */
  operationIds(): string[];
  /**
   * The operation a method and raw path address (literal segments win over parameters). `pathParams`
   * holds the raw, still percent-encoded segments, as the spec's patterns apply to them. The OAuth token
   * endpoint is not an Admin API operation: only `validateRequest`/`validateResponse` know it.
   */
  match(
    method: string,
    path: string,
  ): { operationId: string; pathParams: Record<string, string>; apiGeneration: 'v2' | 'v1' } | null;
  validateRequest(req: HttpExchangeRequest): ContractResult;
  validateResponse(req: HttpExchangeRequest, res: HttpExchangeResponse): ContractResult;
}

export interface SpecValidatorOptions {
  /**
   * Default true. Closes every object schema that declares `properties` without `additionalProperties`
   * (renamed or invented fields become violations) and, where the spec flattens provider variants into
   * one schema (`x-xgen-discriminator`), forbids the other providers' fields and requires the variant's
   * required fields once the discriminator value is known.
   */
  strict?: boolean;
}

/** The spec's facts as the repository keeps them (no prose), so a clone alone runs these tests. */
export const SPEC_PATH = FACTS_PATH;

/** The facts document, parsed. */
export async function readSpecDocument(): Promise<unknown> {
  return JSON.parse(await readFile(SPEC_PATH, 'utf8'));
}

/** Load the spec, apply the exceptions and build a validator. Schemas compile lazily, once each. */
export async function loadSpecValidator(options: SpecValidatorOptions = {}): Promise<SpecValidator> {
  const strict = options.strict ?? true;
  return new AtlasSpecValidator(await readSpecDocument(), strict);
}

// ---------------------------------------------------------------------------------------------------
// Schema preparation (OpenAPI 3.0 Schema Object -> ajv draft-07 + strict mode)

/** ajv's `$id` for the prepared `components.schemas`, so every compiled fragment can `$ref` them. */
const SPEC_ID = 'https://atlas-janitor.invalid/atlas-v2-network-subset.json';
const LOCAL_SCHEMA_REF = '#/components/schemas/';

/** Annotations ajv must not see (unknown keywords in ajv strict mode) or that must not validate. */
const DROPPED_KEYWORDS = new Set(['example', 'externalDocs', 'readOnly', 'writeOnly', 'discriminator', 'xml', 'deprecated']);

interface XgenDiscriminator {
  propertyName: string;
  mapping: Record<string, { properties?: string[]; required?: string[] }>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refName(ref: unknown): string | null {
  return typeof ref === 'string' && ref.startsWith(LOCAL_SCHEMA_REF) ? ref.slice(LOCAL_SCHEMA_REF.length) : null;
}

/** Base of the `$id`s of open copies of named schemas (used as `allOf` members). */
const OPEN_ID = 'https://atlas-janitor.invalid/open/';

/**
 * Turns schemas in the spec's dialect (OpenAPI 3.0 Schema Objects, `#/components/schemas/` refs) into
 * ajv draft-07 schemas: annotations dropped, `$ref`s made absolute, boolean `exclusiveMinimum`
 * converted and, in strict mode, objects closed and provider variants narrowed. Exported for the
 * validator's own tests; contract tests use {@link loadSpecValidator}.
 */
export class SchemaPreparer {
  /** Named schemas referenced as `allOf` members since the last {@link takeOpenRequests}. */
  private readonly openRequested = new Set<string>();

  constructor(
    private readonly named: Record<string, unknown>,
    private readonly strict: boolean,
  ) {}

  /** Every named schema, prepared: the `$defs` of the schema registered under `SPEC_ID`. */
  prepareNamed(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.named).map(([name, schema]) => [name, this.prepare(schema)]));
  }

  /** Names whose open copy (`OPEN_ID` + name) was referenced and must be registered with ajv. */
  takeOpenRequests(): string[] {
    const names = [...this.openRequested];
    this.openRequested.clear();
    return names;
  }

  /** The open copy of a named schema: strict inside, but not closed at its top level. */
  prepareOpen(name: string): unknown {
    return this.prepare(this.named[name], false);
  }

  /**
   * One schema. `close` is false for `allOf` members: the object they describe is closed by the
   * `allOf` owner, which knows every member's properties.
   */
  prepare(schema: unknown, close = true): unknown {
    if (!isRecord(schema)) return schema;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
      if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-')) continue;
      switch (key) {
        case '$ref':
          out['$ref'] = `${SPEC_ID}#/$defs/${this.knownName(value)}`;
          break;
        case 'properties':
          out[key] = Object.fromEntries(Object.entries(value as object).map(([p, s]) => [p, this.prepare(s)]));
          break;
        case 'items':
        case 'additionalProperties':
        case 'not':
          out[key] = this.prepare(value);
          break;
        case 'anyOf':
        case 'oneOf':
          // Alternatives are whole objects: each is closed on its own.
          out[key] = (value as unknown[]).map((s) => this.prepare(s));
          break;
        case 'allOf':
          out[key] = (value as unknown[]).map((s) => this.prepareAllOfMember(s));
          break;
        default:
          out[key] = value;
      }
    }
    // OpenAPI 3.0 (draft-04) writes `exclusiveMinimum: true` beside `minimum`; ajv wants the number.
    for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else if (typeof out[flag] === 'boolean') {
        delete out[flag];
      }
    }
    if (this.strict && close && !('additionalProperties' in out)) {
      if (Array.isArray(schema['allOf'])) {
        // Members stay open; the owner lists every member's property so that it can close the object.
        const props: Record<string, unknown> = isRecord(out['properties']) ? { ...out['properties'] } : {};
        for (const name of this.propertyNames(schema)) if (!(name in props)) props[name] = true;
        out['properties'] = props;
        out['additionalProperties'] = false;
      } else if (isRecord(out['properties'])) {
        out['additionalProperties'] = false;
      }
    }
    const discriminator = schema['x-xgen-discriminator'];
    if (this.strict && isRecord(discriminator)) {
      const narrowing = discriminatorNarrowing(discriminator as unknown as XgenDiscriminator);
      out['allOf'] = [...((out['allOf'] as unknown[] | undefined) ?? []), ...narrowing];
    }
    return out;
  }

  private knownName(ref: unknown): string {
    const name = refName(ref);
    if (name === null) throw new Error(`unsupported $ref ${String(ref)}: only ${LOCAL_SCHEMA_REF}*`);
    if (!(name in this.named)) throw new Error(`$ref to unknown schema ${name}`);
    return name;
  }

  private prepareAllOfMember(member: unknown): unknown {
    if (!isRecord(member)) return member;
    if (member['$ref'] !== undefined && this.strict) {
      const name = this.knownName(member['$ref']);
      this.openRequested.add(name);
      return { $ref: OPEN_ID + name };
    }
    return this.prepare(member, false);
  }

  /** Property names a schema declares, through `$ref` and `allOf`. */
  private propertyNames(schema: unknown, seen = new Set<string>()): string[] {
    if (!isRecord(schema)) return [];
    const name = refName(schema['$ref']);
    if (name !== null) {
      if (seen.has(name)) return [];
      seen.add(name);
      return this.propertyNames(this.named[name], seen);
    }
    const own = isRecord(schema['properties']) ? Object.keys(schema['properties']) : [];
    const members: unknown[] = Array.isArray(schema['allOf']) ? schema['allOf'] : [];
    return [...own, ...members.flatMap((m) => this.propertyNames(m, seen))];
  }
}

/**
 * ajv set up for the spec: formats, the prepared named schemas registered once, open copies for
 * `allOf` members registered on demand. Exported for the validator's own tests.
 */
export class SchemaCompiler {
  private readonly ajv: Ajv;
  private readonly preparer: SchemaPreparer;

  constructor(private readonly namedSchemas: Record<string, unknown>, strict: boolean) {
    // strictRequired off: a variant's `required` names properties declared beside it, not in `then`.
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
    addFormats(this.ajv);
    for (const [format, bits] of [['int32', 31], ['int64', 63]] as const) {
      const limit = 2 ** bits;
      this.ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -limit && n < limit });
    }
    this.preparer = new SchemaPreparer(namedSchemas, strict);
    this.ajv.addSchema({ $id: SPEC_ID, $defs: this.preparer.prepareNamed() });
    this.registerOpenCopies();
  }

  /** Compile a schema in the spec's dialect (it may `$ref` `#/components/schemas/*`). */
  compile(schema: unknown): ValidateFunction {
    const prepared = this.preparer.prepare(schema);
    this.registerOpenCopies();
    return this.ajv.compile(isRecord(prepared) || typeof prepared === 'boolean' ? prepared : {});
  }

  /** A named schema as the spec (after exceptions) states it. */
  named(name: string): unknown {
    return this.namedSchemas[name];
  }

  private registerOpenCopies(): void {
    for (let names = this.preparer.takeOpenRequests(); names.length > 0; names = this.preparer.takeOpenRequests()) {
      for (const name of names) {
        if (this.ajv.getSchema(OPEN_ID + name) === undefined) this.ajv.addSchema(this.preparer.prepareOpen(name) as object, OPEN_ID + name);
      }
    }
  }
}

/**
 * The spec flattens provider variants (AWS/AZURE/GCP) into one schema and names them in
 * `x-xgen-discriminator`. Once the discriminator value is present, the other providers' fields are
 * forbidden and the variant's required fields required: so `status` on an AWS private endpoint (whose
 * field is `connectionStatus`) is caught although `status` exists in the flattened schema.
 */
function discriminatorNarrowing(discriminator: XgenDiscriminator): SchemaObject[] {
  const { propertyName, mapping } = discriminator;
  const variantProperties = new Set(Object.values(mapping).flatMap((v) => v.properties ?? []));
  return Object.entries(mapping).map(([value, variant]) => {
    const own = new Set(variant.properties ?? []);
    const forbidden = [...variantProperties].filter((p) => !own.has(p));
    return {
      if: { properties: { [propertyName]: { const: value } }, required: [propertyName] },
      then: {
        properties: Object.fromEntries(forbidden.map((p) => [p, false])),
        required: variant.required ?? [],
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Operations

type Segment = { literal: string } | { param: string };

interface ParamDef {
  name: string;
  required: boolean;
  schema: SchemaObject;
}

/** media type -> schema, `undefined` when the entry has no schema (no body expected). */
type ContentMap = Map<string, unknown>;

interface OperationDef {
  operationId: string;
  apiGeneration: 'v2' | 'v1';
  method: string;
  template: string;
  segments: Segment[];
  literalCount: number;
  pathParams: ParamDef[];
  queryParams: Map<string, ParamDef>;
  pathParamExceptions: PathParamException[];
  requestBody: { required: boolean; content: ContentMap } | null;
  responses: Map<number, ContentMap>;
  /** Accept values the request may send; `null` entry means the header may be absent. */
  accept: (string | null)[];
  /** A paginated list: with envelope=true it keeps its shape plus `status`. */
  listEnvelope: boolean;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Query parameters Atlas accepts on every operation (facts file, "Base, versions, envelope"). */
const COMMON_QUERY: Record<string, SchemaObject> = {
  pretty: { type: 'boolean' },
  envelope: { type: 'boolean' },
};
const API_ERROR_REF: SchemaObject = { $ref: `${LOCAL_SCHEMA_REF}ApiError` };

function parseTemplate(template: string): Segment[] {
  return template
    .split('/')
    .slice(1)
    .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s }));
}

function generationOf(urlPath: string): ApiGeneration | null {
  if (urlPath.startsWith('/api/atlas/v2/') || urlPath === '/api/atlas/v2') return 'v2';
  if (urlPath.startsWith('/api/atlas/v1.0/')) return 'v1';
  if (urlPath === OAUTH_TOKEN_PATH) return 'oauth';
  return null;
}

/** `application/JSON; charset=utf-8` -> `application/json`. */
function mediaType(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const type = value.split(';')[0]?.trim().toLowerCase();
  return type === undefined || type === '' ? null : type;
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === '';
}

function list(values: Iterable<unknown>): string {
  return [...values].map(String).join(', ');
}

class AtlasSpecValidator implements SpecValidator {
  private readonly operations: OperationDef[] = [];
  private readonly v2OperationIds: string[] = [];
  /** Compiled validators by operation, status and media type (or parameter): each compiles once. */
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly schemas: SchemaCompiler;

  constructor(document: unknown, private readonly strict: boolean) {
    if (!isRecord(document) || !isRecord(document['paths']) || !isRecord(document['components'])) {
      throw new Error(`${SPEC_PATH} is not an OpenAPI document`);
    }
    const components = document['components'];
    const named = components['schemas'];
    if (!isRecord(named)) throw new Error('spec has no components.schemas');
    applySchemaExceptions(named);

    this.schemas = new SchemaCompiler(named, strict);

    const resolve = (node: unknown): Record<string, unknown> => {
      if (!isRecord(node) || typeof node['$ref'] !== 'string' || node['$ref'].startsWith(LOCAL_SCHEMA_REF)) {
        return isRecord(node) ? node : {};
      }
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(node['$ref']) ?? [];
      const section = kind === undefined ? undefined : components[kind];
      const target = isRecord(section) && name !== undefined ? section[name] : undefined;
      if (!isRecord(target)) throw new Error(`unresolvable $ref ${node['$ref']}`);
      return target;
    };

    for (const [template, pathItem] of Object.entries(document['paths'])) {
      if (!isRecord(pathItem)) continue;
      const shared = Array.isArray(pathItem['parameters']) ? pathItem['parameters'] : [];
      // Document order, so operationIds() reads like the spec.
      for (const [method, op] of Object.entries(pathItem)) {
        if (!HTTP_METHODS.includes(method) || !isRecord(op)) continue;
        this.operations.push(this.v2Operation(template, method, op, [...shared, ...(Array.isArray(op['parameters']) ? op['parameters'] : [])], resolve));
      }
    }
    for (const op of [...V1_OPERATIONS, ...OFF_SPEC_V2_OPERATIONS]) this.operations.push(v1Operation(op));
    this.checkPathParamExceptions();
  }

  private v2Operation(
    template: string,
    method: string,
    op: Record<string, unknown>,
    parameters: unknown[],
    resolve: (node: unknown) => Record<string, unknown>,
  ): OperationDef {
    const operationId = String(op['operationId']);
    this.v2OperationIds.push(operationId);
    const pathParams: ParamDef[] = [];
    const queryParams = new Map<string, ParamDef>();
    for (const raw of parameters) {
      const p = resolve(raw);
      const def: ParamDef = { name: String(p['name']), required: p['required'] === true, schema: (p['schema'] as SchemaObject | undefined) ?? {} };
      if (p['in'] === 'path') pathParams.push(def);
      else if (p['in'] === 'query') queryParams.set(def.name, def);
      // Header and cookie parameters: none in the subset.
    }
    const contentMap = (content: unknown): ContentMap =>
      new Map(Object.entries(isRecord(content) ? content : {}).map(([type, entry]) => [type.toLowerCase(), isRecord(entry) ? entry['schema'] : undefined]));

    const responses = new Map<number, ContentMap>();
    for (const [status, response] of Object.entries(isRecord(op['responses']) ? op['responses'] : {})) {
      responses.set(Number(status), contentMap(resolve(response)['content']));
    }
    const body = isRecord(op['requestBody']) ? resolve(op['requestBody']) : null;
    const segments = parseTemplate(template);
    const success = [...responses].filter(([status]) => status >= 200 && status < 300);
    const successSchema = success.map(([, content]) => [...content.values()][0]).find((s) => s !== undefined);
    return {
      operationId,
      apiGeneration: 'v2',
      method: method.toUpperCase(),
      template,
      segments,
      literalCount: segments.filter((s) => 'literal' in s).length,
      pathParams,
      queryParams,
      pathParamExceptions: pathParamExceptions(operationId),
      requestBody: body === null ? null : { required: body['required'] === true, content: contentMap(body['content']) },
      responses,
      accept: [...new Set(success.flatMap(([, content]) => [...content.keys()]))],
      listEnvelope: this.isPage(successSchema),
    };
  }

  /** A page (`{ links, results, totalCount }`): with envelope=true Atlas adds `status` beside them. */
  private isPage(schema: unknown): boolean {
    const name = isRecord(schema) ? refName(schema['$ref']) : null;
    const target = name === null ? schema : this.schemas.named(name);
    return isRecord(target) && isRecord(target['properties']) && 'results' in target['properties'];
  }

  /** A path-parameter exception naming a missing operation or parameter is stale. */
  private checkPathParamExceptions(): void {
    for (const e of SPEC_EXCEPTIONS) {
      if (e.kind !== 'path-param') continue;
      for (const id of e.operationIds) {
        const op = this.operations.find((o) => o.operationId === id);
        if (op === undefined) throw new StaleSpecExceptionError(e.id, `no operation ${id}`);
        for (const name of [e.param, e.when.param]) {
          if (!op.pathParams.some((p) => p.name === name)) throw new StaleSpecExceptionError(e.id, `${id} has no path parameter ${name}`);
        }
      }
    }
  }

  operationIds(): string[] {
    return [...this.v2OperationIds, ...V1_OPERATIONS.map((o) => o.operationId), ...OFF_SPEC_V2_OPERATIONS.map((o) => o.operationId)];
  }

  match(method: string, urlPath: string): ReturnType<SpecValidator['match']> {
    const found = this.find(method, urlPath);
    if (found === null || found.op === null) return null;
    return { operationId: found.op.operationId, pathParams: found.pathParams, apiGeneration: found.op.apiGeneration };
  }

  /** The most specific template matching the path; `op` null when the path matches but not the method. */
  private find(
    method: string,
    urlPath: string,
  ): { op: OperationDef | null; pathParams: Record<string, string>; allowed: string[] } | null {
    const parts = urlPath.split('/').slice(1);
    const upper = method.toUpperCase();
    const candidates: { op: OperationDef; pathParams: Record<string, string> }[] = [];
    for (const op of this.operations) {
      if (op.segments.length !== parts.length) continue;
      const pathParams: Record<string, string> = {};
      const fits = op.segments.every((segment, i) => {
        const part = parts[i] ?? '';
        if ('literal' in segment) return segment.literal === part;
        pathParams[segment.param] = part;
        return part !== '';
      });
      if (fits) candidates.push({ op, pathParams });
    }
    if (candidates.length === 0) return null;
    // Literal segments win over parameters (`containers/all` is not `containers/{containerId}`).
    const best = Math.max(...candidates.map((c) => c.op.literalCount));
    const specific = candidates.filter((c) => c.op.literalCount === best);
    const hit = specific.find((c) => c.op.method === upper) ?? candidates.find((c) => c.op.method === upper);
    const allowed = [...new Set(candidates.map((c) => c.op.method))];
    return hit === undefined ? { op: null, pathParams: {}, allowed } : { ...hit, allowed };
  }

  validateRequest(req: HttpExchangeRequest): ContractResult {
    const generation = generationOf(req.path);
    if (generation === 'oauth') return this.validateOAuthRequest(req);
    const violations: ContractViolation[] = [];
    const located = this.locate(req, generation, violations);
    if (located === null) return { operationId: null, apiGeneration: generation, violations };
    const { op, pathParams } = located;
    const headers = lowerCaseKeys(req.headers);

    for (const param of op.pathParams) {
      const value = pathParams[param.name] ?? '';
      const override = op.pathParamExceptions.find((e) => e.param === param.name && pathParams[e.when.param] === e.when.equals);
      const schema = override?.schema ?? param.schema;
      const key = `param:${op.operationId}:path:${param.name}${override ? `:${override.id}` : ''}`;
      this.check(key, schema, value, `request.path.${param.name}`, violations);
    }

    for (const [name, value] of Object.entries(req.query)) {
      const common = COMMON_QUERY[name];
      const param = op.queryParams.get(name);
      if (param === undefined && common === undefined) {
        violations.push({ where: `request.query.${name}`, message: `unknown query parameter for ${op.operationId}` });
        continue;
      }
      const schema = param?.schema ?? common ?? {};
      this.check(`param:${op.operationId}:query:${name}`, schema, coerce(value, schema), `request.query.${name}`, violations);
    }
    for (const param of op.queryParams.values()) {
      if (param.required && !(param.name in req.query)) {
        violations.push({ where: `request.query.${param.name}`, message: `required query parameter is missing` });
      }
    }

    const accept = headers['accept'];
    if (!op.accept.includes(accept ?? null)) {
      const expected = op.accept.filter((a) => a !== null);
      violations.push({
        where: 'request.headers.accept',
        message:
          accept === undefined
            ? `missing; ${op.operationId} needs one of: ${list(expected)}`
            : `${JSON.stringify(accept)} is not offered by ${op.operationId} (expected exactly one of: ${list(expected)})`,
      });
    }

    const hasBody = !isEmptyBody(req.body);
    if (op.requestBody === null || op.method === 'GET' || op.method === 'DELETE') {
      if (hasBody) violations.push({ where: 'request.body', message: `${op.method} ${op.operationId} takes no body` });
    } else if (!hasBody) {
      if (op.requestBody.required) violations.push({ where: 'request.body', message: 'required body is missing' });
    } else {
      const type = mediaType(headers['content-type']);
      if (type === null || !op.requestBody.content.has(type)) {
        violations.push({
          where: 'request.headers.content-type',
          message: `${JSON.stringify(headers['content-type'] ?? null)} is not declared for the body (expected: ${list(op.requestBody.content.keys())})`,
        });
      } else {
        const schema = op.requestBody.content.get(type);
        if (schema !== undefined) this.check(`request:${op.operationId}:${type}`, schema, req.body, 'request.body', violations);
      }
    }
    return { operationId: op.operationId, apiGeneration: op.apiGeneration, violations };
  }

  validateResponse(req: HttpExchangeRequest, res: HttpExchangeResponse): ContractResult {
    const generation = generationOf(req.path);
    if (generation === 'oauth') return this.validateOAuthResponse(res);
    const violations: ContractViolation[] = [];
    const located = this.locate(req, generation, violations);
    if (located === null) return { operationId: null, apiGeneration: generation, violations };
    const { op } = located;
    const result = { operationId: op.operationId, apiGeneration: op.apiGeneration, violations };

    let status = res.status;
    let body = res.body;
    if (req.query['envelope'] === 'true') {
      const unwrapped = unwrapEnvelope(res, op.listEnvelope, violations);
      if (unwrapped === null) return result;
      ({ status, body } = unwrapped);
    }

    const content = op.responses.get(status);
    if (content === undefined) {
      violations.push({ where: 'response.status', message: `${status} is not declared for ${op.operationId} (declares ${list(op.responses.keys())})` });
      return result;
    }
    const type = mediaType(res.contentType);
    const expectsNoBody = [...content.values()].every((s) => s === undefined);
    if (type === null) {
      if (!(expectsNoBody && isEmptyBody(body))) {
        violations.push({ where: 'response.contentType', message: `missing; ${status} declares ${list(content.keys())}` });
      }
      return result;
    }
    if (!content.has(type)) {
      violations.push({ where: 'response.contentType', message: `${type} is not declared for ${op.operationId} ${status} (declares ${list(content.keys())})` });
      return result;
    }
    const schema = content.get(type);
    if (schema === undefined) {
      if (!isEmptyBody(body)) violations.push({ where: 'response.body', message: `${status} declares no body, got one` });
    } else if (body === undefined) {
      violations.push({ where: 'response.body', message: `${status} declares a ${type} body, got none` });
    } else {
      this.check(`response:${op.operationId}:${status}:${type}`, schema, body, 'response.body', violations);
    }
    return result;
  }

  /** Match the request; records why it cannot be matched. */
  private locate(
    req: HttpExchangeRequest,
    generation: ApiGeneration | null,
    violations: ContractViolation[],
  ): { op: OperationDef; pathParams: Record<string, string> } | null {
    if (/[?#]/.test(req.path)) {
      violations.push({ where: 'request.path', message: 'path holds a query or fragment; the log must split them off' });
      return null;
    }
    const found = this.find(req.method, req.path);
    if (found === null) {
      violations.push({ where: 'request.path', message: `no ${generation ?? 'Atlas'} operation has a path template matching ${req.path}` });
      return null;
    }
    if (found.op === null) {
      violations.push({ where: 'request.method', message: `${req.method.toUpperCase()} is not declared for ${req.path} (declares ${list(found.allowed)})` });
      return null;
    }
    return { op: found.op, pathParams: found.pathParams };
  }

  private validateOAuthRequest(req: HttpExchangeRequest): ContractResult {
    const violations: ContractViolation[] = [];
    const headers = lowerCaseKeys(req.headers);
    if (req.method.toUpperCase() !== 'POST') {
      violations.push({ where: 'request.method', message: `${req.method.toUpperCase()} is not declared for ${OAUTH_TOKEN_PATH} (declares POST)` });
    }
    for (const name of Object.keys(req.query)) {
      violations.push({ where: `request.query.${name}`, message: 'the token endpoint takes no query parameters' });
    }
    if (mediaType(headers['content-type']) !== 'application/x-www-form-urlencoded') {
      violations.push({ where: 'request.headers.content-type', message: `${JSON.stringify(headers['content-type'] ?? null)}: the token request must be application/x-www-form-urlencoded` });
    }
    const form = formFields(req.body);
    if (form === null) {
      violations.push({ where: 'request.body', message: 'expected a form-encoded body' });
    } else {
      if (form['grant_type'] !== 'client_credentials') {
        violations.push({ where: 'request.body/grant_type', message: `must be client_credentials, got ${JSON.stringify(form['grant_type'] ?? null)}` });
      }
      for (const name of Object.keys(form)) {
        if (this.strict && name !== 'grant_type') violations.push({ where: `request.body/${name}`, message: 'unknown form field (strict mode)' });
      }
    }
    return { operationId: 'oauthToken', apiGeneration: 'oauth', violations };
  }

  private validateOAuthResponse(res: HttpExchangeResponse): ContractResult {
    const violations: ContractViolation[] = [];
    const result = { operationId: 'oauthToken', apiGeneration: 'oauth' as const, violations };
    const schema = res.status === 200 ? OAuthTokenResponse : OAUTH_ERROR_STATUSES.includes(res.status) ? OAuthTokenError : null;
    if (schema === null) {
      violations.push({ where: 'response.status', message: `${res.status} is not expected from the token endpoint (expects 200, ${list(OAUTH_ERROR_STATUSES)})` });
      return result;
    }
    if (mediaType(res.contentType) !== 'application/json') {
      violations.push({ where: 'response.contentType', message: `${JSON.stringify(res.contentType)}: expected application/json` });
      return result;
    }
    this.check(`response:oauthToken:${res.status === 200 ? 200 : 'error'}`, schema, res.body, 'response.body', violations);
    return result;
  }

  /** Validate with the schema compiled once per key; ajv errors become violations. */
  private check(key: string, schema: unknown, value: unknown, where: string, violations: ContractViolation[]): void {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.schemas.compile(schema);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return;
    for (const error of validate.errors ?? []) {
      const violation = toViolation(error, where);
      if (violation !== null) violations.push(violation);
    }
  }

}

/** A v1.0 route, or an off-spec v2 route (`v2MediaType` set), as the validator's operation. */
function v1Operation(op: V1Operation): OperationDef {
  const segments = parseTemplate(op.path);
  const successType = op.v2MediaType ?? V1_MEDIA_TYPE;
  const body = (schema: SchemaObject | null, type = successType): ContentMap => new Map([[type, schema ?? undefined]]);
  const responses = new Map<number, ContentMap>(Object.entries(op.responses).map(([status, schema]) => [Number(status), body(schema)]));
  // Errors are plain JSON in both generations (facts file, "Errors").
  for (const status of V1_ERROR_STATUSES) responses.set(status, body(API_ERROR_REF, V1_MEDIA_TYPE));
  const success = Object.values(op.responses).find((s) => s !== null);
  return {
    operationId: op.operationId,
    apiGeneration: op.v2MediaType ? 'v2' : 'v1',
    method: op.method,
    template: op.path,
    segments,
    literalCount: segments.filter((s) => 'literal' in s).length,
    pathParams: Object.entries(op.pathParams).map(([name, schema]) => ({ name, required: true, schema })),
    queryParams: new Map(Object.entries(op.queryParams).map(([name, schema]) => [name, { name, required: false, schema }])),
    pathParamExceptions: [],
    requestBody: null,
    responses,
    // v1.0 wants application/json; no Accept at all is what curl sends and Atlas answers JSON then.
    accept: op.v2MediaType ? [op.v2MediaType] : [V1_MEDIA_TYPE, null],
    listEnvelope: op.page === true || (isRecord(success) && success['$ref'] === `${LOCAL_SCHEMA_REF}PaginatedContainerPeer`),
  };
}

/** Query values arrive as strings: coerce the ones the schema types as numbers or booleans. */
function coerce(value: string, schema: SchemaObject): unknown {
  switch (schema['type']) {
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
}

/**
 * envelope=true: HTTP 200 and the real status inside. A single result comes as
 * `{ status, content }`, a page as itself plus `status` (facts file, "Base, versions, envelope").
 */
function unwrapEnvelope(
  res: HttpExchangeResponse,
  isList: boolean,
  violations: ContractViolation[],
): { status: number; body: unknown } | null {
  if (res.status !== 200) violations.push({ where: 'response.status', message: `envelope=true answers HTTP 200, got ${res.status}` });
  const body = res.body;
  if (!isRecord(body) || typeof body['status'] !== 'number') {
    violations.push({ where: 'response.body/status', message: 'envelope=true: the body must carry the HTTP status as a number' });
    return null;
  }
  const status = body['status'];
  const ok = status >= 200 && status < 300;
  // A page never comes as { status, content }: if it does, validating the rest as a page reports it.
  if (isList && ok) {
    const { status: _status, ...page } = body;
    return { status, body: page };
  }
  const extra = Object.keys(body).filter((k) => k !== 'status' && k !== 'content');
  if (!('content' in body) || extra.length > 0) {
    violations.push({ where: 'response.body', message: `envelope=true: a single result must be { status, content }${extra.length > 0 ? `, got also ${list(extra)}` : ''}` });
    return null;
  }
  return { status, body: body['content'] };
}

/** A form body as recorded: a string, URLSearchParams or an already parsed record of strings. */
function formFields(body: unknown): Record<string, string> | null {
  if (typeof body === 'string') return Object.fromEntries(new URLSearchParams(body));
  if (body instanceof URLSearchParams) return Object.fromEntries(body);
  if (isRecord(body) && Object.values(body).every((v) => typeof v === 'string')) return body as Record<string, string>;
  return null;
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** ajv error -> violation located down to the offending property. */
function toViolation(error: ErrorObject, where: string): ContractViolation | null {
  // An `if` that matched only explains a `then` failure, which is reported by its own errors.
  if (error.keyword === 'if') return null;
  const path = `${where}${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { where: `${path}/${String(params['additionalProperty'])}`, message: 'property is not declared in the schema (strict mode)' };
    case 'required':
      return { where: `${path}/${String(params['missingProperty'])}`, message: 'required property is missing' };
    case 'false schema':
      return { where: path, message: "property belongs to another provider's variant of this schema (strict mode)" };
    default:
      return { where: path, message: error.message ?? error.keyword };
  }
}
