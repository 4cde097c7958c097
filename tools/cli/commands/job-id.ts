import { MessageValidationError, jobIdFor, parseDeleteJob } from '../../../lib/jobs';
import { KIND_NAMES, isKindName, kindOf, type KindName } from '../../../lib/kinds';
import { EXIT, UsageError, defineCommand } from '../args';

/** The flag a delete job's field comes from, so a bad value is named as the user typed it. */
function flagOf(field: string): string {
  if (field === 'projectId') return '--project';
  if (field.startsWith('ids.')) return `--id ${field.slice(4)}`;
  return `--${field}`;
}

/**
 * `atlas-janitor job-id`: the id of the delete job for one resource, as the sweep computes it, for a
 * system that sends its own delete jobs (docs/messages.md). The job's fields are checked as the worker
 * checks them, so an id printed here is one the worker accepts.
 */
export const jobId = defineCommand({
  summary: 'the jobId (and FIFO deduplication id) of a delete job for one resource',
  usage: '--project ID --kind KIND [--provider AWS|AZURE|GCP] --id NAME=VALUE ... [--json]',
  flags: {
    'project': { type: 'string', arg: 'ID', help: 'the 24-hex project id' },
    'kind': { type: 'string', arg: 'KIND', help: `the resource kind: ${KIND_NAMES.join(', ')}` },
    'provider': { type: 'string', arg: 'NAME', help: 'AWS, AZURE or GCP (required for privateEndpoint)' },
    'id': { type: 'string', multiple: true, arg: 'NAME=VALUE', help: 'one of the kind\'s ids (privateEndpoint: endpointServiceId and endpointId)' },
    'json': { type: 'boolean', help: 'print the id with the fields it was computed from' },
  },
  env: [],
  example: 'atlas-janitor job-id --project 406ff261a3beb006b009990c --kind privateEndpoint --provider AWS --id endpointServiceId=7dd11b7875cdf816c0d28238 --id endpointId=vpce-0488d15070de23e36',
  async run(values) {
    if (values.project === undefined) throw new UsageError('--project is required');
    if (values.kind === undefined) throw new UsageError(`--kind is required (${KIND_NAMES.join(', ')})`);
    if (!isKindName(values.kind)) throw new UsageError(`--kind: ${JSON.stringify(values.kind)} is not a kind (${KIND_NAMES.join(', ')})`);
    const kind: KindName = values.kind;
    const ids: Record<string, string> = {};
    for (const pair of values.id ?? []) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--id: ${JSON.stringify(pair)} must be NAME=VALUE (names of ${kind}: ${kindOf(kind).idFields.map((f) => f.name).join(', ')})`);
      ids[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const ref = { projectId: values.project, kind, provider: values.provider as 'AWS' | undefined, ids };
    const id = jobIdFor(ref);
    // Checked as the worker checks a job: the ids the kind needs, their formats, the provider.
    try {
      parseDeleteJob({
        type: 'delete', jobId: id, projectId: ref.projectId, kind, ...(ref.provider !== undefined ? { provider: ref.provider } : {}), ids,
        rule: kindOf(kind).rules[0]!.name, evidence: { state: 'UNKNOWN', fields: {} }, apiVersion: 'v2', sweepId: 'job-id',
      });
    } catch (error) {
      if (error instanceof MessageValidationError) throw new UsageError(`${flagOf(error.field)}: ${error.message.replace(/^[^:]*: /, '')}`);
      throw error;
    }
    process.stdout.write(values.json ? `${JSON.stringify({ jobId: id, projectId: ref.projectId, kind, provider: ref.provider ?? null, ids }, null, 2)}\n` : `${id}\n`);
    return EXIT.ok;
  },
});
