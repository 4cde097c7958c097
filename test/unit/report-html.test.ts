import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RULE_NAMES, ruleSpec } from '../../lib/kinds';
import type { Kept } from '../../lib/plan';
import { MAX_KEPT_ROWS, atlasUiUrl, keptGroups, keptTotal, renderReportHtml, type PageReport } from '../../lib/report';

const P1 = 'a'.repeat(24);
const P2 = 'b'.repeat(24);
const AT = '2026-11-26T06:00:00.000Z';

function kept(id: string, cause: Kept['cause'], state = 'AVAILABLE'): Kept {
  return { projectId: P1, kind: 'networkPeering', provider: 'AWS', id, state, cause, reason: `kept ${id}` };
}

function report(overrides: Partial<PageReport> = {}): PageReport {
  return {
    sweepId: 'sweep-20261126T060000-abcd1234',
    mode: 'dry-run',
    projects: [
      { projectId: P1, projectName: 'payments-prod', seen: 4, candidates: 1, kept: 3, errors: 1, apiCalls: 9, durationMs: 120 },
      { projectId: P2, seen: 0, candidates: 0, kept: 0, errors: 0, apiCalls: 7, durationMs: 80 },
    ],
    candidates: [
      { projectId: P1, kind: 'privateEndpoint', provider: 'AWS', id: 'vpce-0123456789abcdef0', state: 'REJECTED', rule: 'rejected-aws-endpoint', reason: 'connectionStatus REJECTED', jobId: 'job-1', firstSeenAt: '2026-11-24T02:00:00.000Z', eligibleAt: '2026-11-25T02:00:00.000Z' },
    ],
    kept: [kept('peer-1', 'grace', 'FAILED'), kept('peer-2', 'state'), kept('peer-3', 'state', 'READ_FAILED')],
    errors: [{ projectId: P1, kind: 'networkPeering', message: 'Atlas answered 500', status: 500, errorCode: 'UNEXPECTED_ERROR' }],
    enqueued: 0,
    apiCalls: { total: 16, auth: 1 },
    durationMs: 2_500,
    ...overrides,
  };
}

const page = (r: PageReport) => renderReportHtml(r, { generatedAt: AT });

describe('report page', () => {
  it('shows the header facts, an unmistakable dry-run banner, the candidate with its rule and the rule\'s reason', () => {
    const html = page(report());
    expect(html).toContain('sweep-20261126T060000-abcd1234');
    expect(html).toMatch(/class="banner dry"[^>]*>DRY RUN — nothing was deleted/);
    expect(html).not.toContain('banner enforce');
    expect(html).toContain('vpce-0123456789abcdef0');
    expect(html).toContain('<code>rejected-aws-endpoint</code>');
    expect(html).toContain('AWS refused the VPC endpoint connection');
    expect(html).toContain('2026-11-24 02:00 UTC');
    expect(html).toMatch(/What would be deleted \(1\)/);
    expect(html).toContain('Atlas answered 500');
  });

  it('says an enforce run queued its deletions only when it did', () => {
    const html = page(report({ mode: 'enforce', enqueued: 1 }));
    expect(html).toMatch(/class="banner enforce"[^>]*>ENFORCE — 1 job\(s\) queued for deletion/);
    expect(html).toContain('Queued for deletion (1)');
    const none = page(report({ mode: 'enforce', enqueued: 0 }));
    expect(none).not.toMatch(/queued for deletion|were deleted|What is being deleted/i);
    expect(none).toMatch(/none was queued or deleted/);
  });

  it('before a confirmation reads as awaiting it, and after a no says nothing was deleted or queued', () => {
    const awaiting = renderReportHtml(report({ mode: 'enforce' }), { generatedAt: AT, confirmation: 'awaiting' });
    expect(awaiting).toMatch(/id="mode-banner">AWAITING CONFIRMATION — nothing has been deleted or queued yet/);
    expect(awaiting).toContain('To be deleted if confirmed (1)');
    const declined = renderReportHtml(report({ mode: 'enforce' }), { generatedAt: AT, confirmation: 'declined' });
    expect(declined).toMatch(/id="mode-banner">NOT CONFIRMED — nothing was deleted or queued/);
    for (const html of [awaiting, declined]) expect(html).not.toMatch(/were queued|queued for deletion|What is being deleted/);
  });

  it('titles the page by what ran: scan, sweep or plan', () => {
    expect(renderReportHtml(report(), { generatedAt: AT, kind: 'scan' })).toContain('<h1>atlas-janitor scan report</h1>');
    expect(page(report())).toContain('<h1>atlas-janitor sweep report</h1>');
    expect(page(report({ mode: 'plan' }))).toContain('<h1>atlas-janitor plan report</h1>');
  });

  it('names the Atlas read: base URL and organizations', () => {
    const html = page(report({ atlas: { baseUrl: 'https://cloud.mongodb.com', organizations: [{ id: 'c'.repeat(24), name: 'Acme Payments' }, { id: 'd'.repeat(24) }] } }));
    expect(html).toContain('<dt>Atlas</dt><dd><code>https://cloud.mongodb.com</code></dd>');
    expect(html).toContain(`Acme Payments <code class="muted">${'c'.repeat(24)}</code>, <code>${'d'.repeat(24)}</code>`);
  });

  it('shows each row\'s reason and the fields that made it stale inline, raw JSON behind a toggle; first-seen columns only with a ledger', () => {
    const evidence = { state: 'REJECTED', fields: { connectionStatus: 'REJECTED', errorMessage: 'denied by owner', vpcId: 'vpc-1' }, parent: { id: 'e'.repeat(24), status: 'AVAILABLE' } };
    const withLedger = page(report({ candidates: [{ ...report().candidates[0]!, evidence }] }));
    expect(withLedger).toMatch(/<dt>connectionStatus<\/dt><dd><code>REJECTED<\/code><\/dd><dt>errorMessage<\/dt><dd><code>denied by owner<\/code>/);
    expect(withLedger).not.toMatch(/<dt>vpcId<\/dt>/);
    expect(withLedger).toMatch(/<summary>raw JSON<\/summary><pre>[^<]*vpc-1/);
    expect(withLedger).toContain('<th scope="col">first seen stale</th>');
    const { firstSeenAt: _f, eligibleAt: _e, ...noLedger } = report().candidates[0]!;
    const without = page(report({ candidates: [{ ...noLedger, evidence }], kept: [kept('peer-2', 'state')] }));
    expect(without).not.toMatch(/first seen stale|eligible at/);
  });

  it('says so on an endpoint whose own state looks healthy, and lists endpoints under their service', () => {
    const service = 'f'.repeat(24);
    const candidates: PageReport['candidates'] = [
      { projectId: P1, kind: 'privateEndpointService', provider: 'AWS', id: service, state: 'FAILED', rule: 'failed-endpoint-service', reason: 'status FAILED', jobId: 'job-s', evidence: { state: 'FAILED', fields: { status: 'FAILED' } } },
      { projectId: P2, kind: 'networkPeering', provider: 'AWS', id: 'peer-x', state: 'FAILED', rule: 'failed-aws-peer', reason: 'FAILED', jobId: 'job-p' },
      { projectId: P1, kind: 'privateEndpoint', provider: 'AWS', id: 'vpce-0000000000000000a', state: 'AVAILABLE', rule: 'orphaned-endpoint', reason: `its endpoint service ${service} is FAILED`, jobId: 'job-e', evidence: { state: 'AVAILABLE', fields: { connectionStatus: 'AVAILABLE' }, parent: { id: service, status: 'FAILED' } } },
    ];
    const html = page(report({ candidates }));
    const rows = [...html.matchAll(/<tr( class="child")?><td>[\s\S]*?<\/tr>/g)].map((m) => [m[1] ? 'child' : 'top', /job <code>([^<]+)/.exec(m[0])?.[1]]);
    expect(rows.filter(([, job]) => job)).toEqual([['top', 'job-s'], ['child', 'job-e'], ['top', 'job-p']]);
    expect(html).toContain(`Its own state (AVAILABLE) looks healthy; it is here because its endpoint service <code>${service}</code> is FAILED, which orphans it. The service is planned too`);
    // An endpoint gone from under a live service is not told as healthy.
    const gone = page(report({ candidates: [{ ...candidates[2]!, state: 'NOT_FOUND', evidence: { state: 'NOT_FOUND', fields: {}, parent: { id: service, status: 'AVAILABLE' } } }] }));
    expect(gone).not.toContain('looks healthy');
  });

  it('ends a plan\'s page with the exact event and command to approve it, and how to leave out or protect a row', () => {
    const plan = { planId: 'sweep-plan-1', digest: 'a'.repeat(64), madeAt: AT, expiresAt: '2026-11-29T06:00:00.000Z', file: 'plan.json' };
    const html = renderReportHtml(report({ mode: 'plan' }), { generatedAt: AT, plan });
    expect(html).toMatch(/id="mode-banner">PLAN — nothing was deleted or queued. 1 resource\(s\) below await approval until 2026-11-29 06:00 UTC/);
    expect(html).toContain('Planned for deletion, awaiting approval (1)');
    expect(html).toContain(`atlas-janitor apply plan.json --digest ${'a'.repeat(64)} --approved-by &#39;YOUR NAME&#39;</code>`);
    expect(html).toContain(`atlas-janitor apply plan.json --digest ${'a'.repeat(64)} --approved-by &#39;YOUR NAME&#39; --exclude vpce-0123456789abcdef0`);
    expect(html).toContain('&quot;resourceId&quot;:&quot;vpce-0123456789abcdef0&quot;');
    const applied = renderReportHtml(report({ mode: 'plan' }), { generatedAt: AT, plan: { ...plan, approval: { approvedBy: 'ana', at: AT, excluded: [], enqueued: 1 } }, outcomes: new Map([['job-1', { outcome: 'drifted', reason: 'changed since plan: state REJECTED → AVAILABLE' }]]) });
    expect(applied).toMatch(/id="mode-banner">APPROVED — plan approved by ana at 2026-11-26 06:00 UTC: 1 job\(s\) queued for deletion/);
    expect(applied).toContain('<strong>drifted</strong><br>changed since plan: state REJECTED → AVAILABLE');
    expect(applied).not.toContain('--approved-by');
  });

  it('offers a CLI plan\'s approval as the apply command only, and a deployed plan\'s as the console event or SQS message only', () => {
    const plan = { planId: 'sweep-plan-1', digest: 'a'.repeat(64), madeAt: AT, expiresAt: '2026-11-29T06:00:00.000Z' };
    const event = (exclude: string[]) => JSON.stringify({ apply: { planId: 'sweep-plan-1', digest: 'a'.repeat(64), approvedBy: 'YOUR NAME', exclude } }).replace(/"/g, '&quot;');
    // A file on the machine that made it: the stack never sees it, so its event would be refused.
    const cli = renderReportHtml(report({ mode: 'plan' }), { generatedAt: AT, plan: { ...plan, file: '/home/ana/plans/plan 1.json' } });
    expect(cli).toContain(`atlas-janitor apply &#39;/home/ana/plans/plan 1.json&#39; --digest ${'a'.repeat(64)} --approved-by`);
    expect(cli).not.toContain('&quot;apply&quot;');
    expect(cli).not.toMatch(/console test event|scan queue/);
    // Stored in the report bucket: there is no local file to name.
    const deployed = renderReportHtml(report({ mode: 'plan' }), { generatedAt: AT, plan });
    expect(deployed).toContain(event([]));
    expect(deployed).toContain(event(['vpce-0123456789abcdef0']));
    expect(deployed).toMatch(/console test event, or as a message of the same shape on the scan queue/);
    expect(deployed).not.toContain('atlas-janitor apply');
    expect(deployed).not.toContain('sweep-plan-1.json');
  });

  it('on a plan applied from this machine, says the jobs were run here with their outcomes, never queued, and shows no scan totals apply did not measure', () => {
    const plan = { planId: 'sweep-plan-1', digest: 'a'.repeat(64), madeAt: AT, expiresAt: '2026-11-29T06:00:00.000Z', file: 'plan.json' };
    const two = [report().candidates[0]!, { ...report().candidates[0]!, id: 'vpce-0123456789abcdef1', jobId: 'job-2' }];
    const applied = report({ mode: 'plan', candidates: two, kept: [], errors: [], projects: [{ projectId: P1, projectName: 'payments-prod', seen: 0, candidates: 2, kept: 0, errors: 0, apiCalls: 0, durationMs: 0 }], apiCalls: { total: 0, auth: 0 }, durationMs: 0 });
    const html = renderReportHtml(applied, {
      generatedAt: AT,
      plan: { ...plan, approval: { approvedBy: 'ana', at: AT, excluded: ['job-2'], enqueued: 1 } },
      outcomes: new Map([['job-1', { outcome: 'deleted' }], ['job-2', { outcome: 'left out', reason: 'excluded by the approval: not queued' }]]),
      appliedHere: true,
    });
    expect(html).toMatch(/id="mode-banner">APPROVED — plan approved by ana at 2026-11-26 06:00 UTC: 1 job\(s\) run from this machine: 1 deleted; 1 left out\./);
    expect(html).not.toMatch(/queued for deletion/);
    expect(html).toContain('<dt>Duration</dt><dd class="muted">not measured by apply</dd><dt>API calls</dt><dd class="muted">not measured by apply</dd>');
    expect(html).not.toMatch(/<b>0<\/b>(resources seen|kept|API calls)/);
    expect(html).not.toContain('<th scope="col">seen</th>');
    expect(html).toContain('Not measured by apply');
    expect(html).toContain('which stops a second apply of that file only (a copy under another name is not stopped)');
    expect(html).not.toContain('once the worker has run it');
    // The same approval sent to the stack is queued, and its page says so.
    const queued = renderReportHtml(applied, { generatedAt: AT, plan: { ...plan, approval: { approvedBy: 'ana', at: AT, excluded: [], enqueued: 2 } } });
    expect(queued).toMatch(/2 job\(s\) queued for deletion/);
    expect(queued).toMatch(/<b>0<\/b>resources seen/);
  });

  it('on a dry run\'s page, offers a plan command that repeats the run\'s own flags, and says a plan needs the stack in plan or enforce mode', () => {
    const fromCli = renderReportHtml(report(), { generatedAt: AT, kind: 'scan', runFlags: `--project ${P1} --grace default=0` });
    expect(fromCli).toContain(`<pre><code>atlas-janitor plan --project ${P1} --grace default=0 --out plan.json --html plan.html</code></pre>`);
    expect(fromCli).toContain('A plan needs the stack deployed in plan or enforce mode (JANITOR_MODE): one in dry-run refuses this event, naming mode.');
    expect(fromCli).toContain('{&quot;inline&quot;:true,&quot;mode&quot;:&quot;plan&quot;}');
    // A page that does not know the run's flags (the stack's) says to repeat them.
    const fromStack = page(report());
    expect(fromStack).toContain('repeating the flags of this run (its --project IDs or --all, its --grace) in place of --all');
    expect(fromStack).toContain('<pre><code>atlas-janitor plan --all --out plan.json --html plan.html</code></pre>');
  });

  it('escapes every piece of report text, so a hostile name or message is shown, never run', () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const html = page(report({
      projects: [{ projectId: P1, projectName: hostile, seen: 1, candidates: 0, kept: 0, errors: 0, apiCalls: 1, durationMs: 1 }],
      errors: [{ message: `</script><script>alert(2)</script>${hostile}` }],
      sweepId: hostile,
    }));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('loads nothing from outside and lets only its own script run', () => {
    const html = page(report());
    expect(html).not.toMatch(/<link|<img|<iframe|\bsrc=|@import|url\(/i);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
    // Every link goes to the Atlas UI.
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^https:\/\/cloud\.mongodb\.com\/v2\/[a-f0-9]{24}#\//);
  });

  it('links each kind to the project page its kind module names in the Atlas UI, and builds no link from a malformed project id or an unknown kind', () => {
    const base = 'https://cloud.mongodb.com';
    expect(atlasUiUrl({ projectId: P1, kind: 'privateEndpoint' })).toBe(`${base}/v2/${P1}#/security/network/privateEndpoint`);
    expect(atlasUiUrl({ projectId: P1, kind: 'privateEndpointService' })).toBe(`${base}/v2/${P1}#/security/network/privateEndpoint`);
    expect(atlasUiUrl({ projectId: P1, kind: 'networkPeering' })).toBe(`${base}/v2/${P1}#/security/network/peering`);
    expect(atlasUiUrl({ projectId: P1, kind: 'streamsPrivateLink' })).toBe(`${base}/v2/${P1}#/streamProcessing`);
    expect(atlasUiUrl({ projectId: 'javascript:alert(1)', kind: 'networkPeering' })).toBeUndefined();
    expect(atlasUiUrl({ projectId: P1, kind: 'noSuchKind' })).toBeUndefined();
  });

  it('explains every registered rule in one line, and each rule on the page with its own kind\'s line', () => {
    expect(RULE_NAMES.length).toBeGreaterThan(0);
    for (const name of RULE_NAMES) expect(ruleSpec(name)?.why.trim(), name).toMatch(/\S/);
    const html = page(report());
    expect(html).toContain(`<dt><code>rejected-aws-endpoint</code></dt><dd>${ruleSpec('rejected-aws-endpoint')!.why}</dd>`);
  });

  it('groups kept resources by cause, collapsed, telling failed reads from healthy ones', () => {
    const html = page(report());
    const summaries = [...html.matchAll(/<details class="kept" data-cause="(\w+)"><summary>([^<]*)<\/summary>/g)].map((m) => [m[1], m[2]]);
    expect(summaries).toEqual([
      ['grace', 'Waiting for their grace period: 1'],
      ['failedRead', 'Failed reads: kept for want of evidence: 1'],
      ['healthy', 'Healthy: 1'],
    ]);
    expect(html).not.toMatch(/<details[^>]* open/);
  });
});

describe('kept entries from the report, whatever its shape', () => {
  it('counts a full list by cause', () => {
    const groups = keptGroups({ kept: [kept('1', 'grace'), kept('2', 'grace'), kept('3', 'protected')] });
    expect(groups.map((g) => [g.name, g.count, g.entries.length])).toEqual([['grace', 2, 2], ['protected', 1, 1]]);
  });

  it('uses counts per cause with a bounded sample, and says how many are listed', () => {
    const source = { keptByCause: { grace: 5_000, protected: 2, state: 40_000 }, kept: [kept('1', 'grace'), kept('2', 'state')], keptTotal: 45_002 };
    expect(keptGroups(source).map((g) => [g.name, g.count, g.entries.length])).toEqual([['grace', 5_000, 1], ['protected', 2, 0], ['healthyOrUnread', 40_000, 1]]);
    expect(keptTotal(source)).toBe(45_002);
    const html = page({ ...report(), ...source });
    expect(html).toContain('Waiting for their grace period: 5,000 — 1 shown');
    expect(html).toContain('Protected: 2 — listed by count only');
    expect(html).toContain('Kept (45,002)');
  });

  it('splits a sampled state count into failed reads and healthy ones by keptUnread', () => {
    const source = { keptByCause: { grace: 5, state: 40_000 }, keptUnread: 12, kept: [kept('1', 'state'), kept('2', 'state', 'INVALID_ID'), kept('3', 'grace')], keptTotal: 40_005 };
    expect(keptGroups(source).map((g) => [g.name, g.count, g.entries.length])).toEqual([['grace', 5, 1], ['failedRead', 12, 1], ['healthy', 39_988, 1]]);
    const html = page({ ...report(), ...source });
    expect(html).toContain('Failed reads: kept for want of evidence: 12 — 1 shown');
    expect(html).toContain('Healthy: 39,988 — 1 shown');
    expect(html).not.toContain('Healthy or unreadable');
    // No failed read at all: every state entry is healthy, sampled or not.
    expect(keptGroups({ keptByCause: { state: 500 }, keptUnread: 0, kept: [kept('1', 'state')] }).map((g) => [g.name, g.count])).toEqual([['healthy', 500]]);
  });

  it('keeps healthy and failed reads apart when the sample holds every state entry', () => {
    const groups = keptGroups({ keptByCause: { state: 2 }, kept: [kept('1', 'state'), kept('2', 'state', 'INVALID_ID')] });
    expect(groups.map((g) => [g.name, g.count])).toEqual([['failedRead', 1], ['healthy', 1]]);
  });

  it('shows counts alone when no entries are given', () => {
    expect(keptGroups({ keptByCause: { cap: 3, blocked: 0 } }).map((g) => [g.name, g.count, g.entries.length])).toEqual([['cap', 3, 0]]);
    expect(keptGroups({}).length).toBe(0);
  });
});

describe('a large report', () => {
  it('lists at most MAX_KEPT_ROWS kept entries per cause whatever the report holds, and counts the rest', () => {
    const many = Array.from({ length: MAX_KEPT_ROWS + 50 }, (_, i) => kept(`peer-${i}`, 'state'));
    const html = page(report({ kept: many }));
    expect(html).toContain(`Healthy: ${(MAX_KEPT_ROWS + 50).toLocaleString('en-US')} — ${MAX_KEPT_ROWS} shown`);
    expect(html).toContain(`peer-${MAX_KEPT_ROWS - 1}<`);
    expect(html).not.toContain(`peer-${MAX_KEPT_ROWS}<`);
  });
});
