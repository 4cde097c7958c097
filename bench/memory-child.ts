import { lazySqsClient } from '../lib/aws/clients';
import { inlineSweep, queueSweep } from '../lib/run';
import { benchDeps } from './support';

/**
 * One sweep in a process of its own (bundled, run with plain node): `inline` scans every project and
 * holds the whole report (console, CLI); `queued` is the nightly Lambda path, listing the projects and
 * queueing one scan request each (to the SQS at AWS_ENDPOINT_URL_SQS). Prints its numbers and peak RSS.
 */
async function main(): Promise<void> {
  const [url, concurrency, path = 'inline', queueUrl] = process.argv.slice(2);
  const deps = benchDeps(url!, Number(concurrency), queueUrl ? { SCAN_QUEUE_URL: queueUrl } : {});
  const started = performance.now();
  let out: Record<string, number>;
  if (path === 'queued') {
    const sqs = lazySqsClient({ region: 'us-east-1', endpoint: process.env['AWS_ENDPOINT_URL_SQS'], useQueueUrlAsEndpoint: false, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const summary = await queueSweep({ ...deps, sqs }, {});
    out = { projects: summary.projectsSeen, queued: summary.projectsQueued, requests: summary.apiCalls.total + summary.apiCalls.auth, errors: summary.errors.length };
  } else {
    // The sweep function logs each project's full kept list as it completes: serialise it as the logger
    // would, without flooding this process's output.
    let logged = 0;
    const onProject = (result: { scan: object }) => {
      logged += JSON.stringify(result.scan).length;
    };
    const { report } = await inlineSweep(deps, {}, { enqueue: false, onProject });
    out = { projects: report.projects.length, requests: report.apiCalls.total + report.apiCalls.auth, candidates: report.candidates.length, kept: report.keptTotal, keptSample: report.kept.length, loggedBytes: logged, errors: report.errors.length };
  }
  const wallMs = Math.round(performance.now() - started);
  // With --expose-gc: what is really alive once the garbage is gone (the report included).
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(
    JSON.stringify({ ...out, wallMs, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), liveHeapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }),
  );
}

void main();
