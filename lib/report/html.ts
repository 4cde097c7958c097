import { createHash } from 'node:crypto';
import { isKindName, kindOf, ruleSpec } from '../kinds';
import type { Kept } from '../plan';
import { keptGroups, keptTotal, type KeptGroupName, type KeptSource } from './kept';
import { bannerOf, candidatesHeading, nextSteps, runKind, type PageOutcome, type PageStory } from './page-story';
import type { ReportCandidate, ScanReport } from './report';
import { roleRefusalNotice, roleRefusedProjects } from '../jobs';

/**
 * The sweep's report as one self-contained HTML page: no external script, style, font or image, so it
 * works offline, as an e-mail attachment and from a private bucket. Every piece of report text goes
 * through `esc`; the page's own script reads the DOM only, so no report data ever lands inside it.
 */

export type PageReport = Omit<ScanReport, 'kept' | 'keptByCause' | 'keptTotal' | 'keptUnread'> & KeptSource;

export interface PageOptions extends PageStory {
  /** When the page was made (ISO), shown in the header. */
  generatedAt: string;
  /** A line under the header saying where the report came from (a CLI run, the deployed stack). */
  source?: string | undefined;
}

const ATLAS_UI = 'https://cloud.mongodb.com';

/**
 * Kept resources listed per cause, at most: a large estate keeps tens of thousands of healthy resources,
 * and a page that lists them all is too big to mail or open. The rest are counted.
 */
export const MAX_KEPT_ROWS = 200;

/** Above this many projects their table is laid out only when scrolled to, in fixed columns: 10,000 rows take seconds. */
const LAZY_PROJECTS = 1_000;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const GROUP_TITLES: Record<KeptGroupName, string> = {
  grace: 'Waiting for their grace period',
  protected: 'Protected',
  blocked: 'Blocked: their endpoints are not all going',
  cap: 'Held back by the deletion cap',
  ruleDisabled: 'Their rule is switched off',
  failedRead: 'Failed reads: kept for want of evidence',
  suspectedApiFault: 'Suspected API fault: most reads of their kind said gone, so none is believed',
  sideEffect: 'Their delete would also remove something else (see the reason)',
  healthy: 'Healthy',
  healthyOrUnread: 'Healthy or unreadable (listed by count)',
};

/**
 * The Atlas UI page of a resource's kind in its project (each kind names its page). Always the commercial
 * Atlas UI: the configured base URL is the API's (the simulator's in the demo), which says nothing of
 * where a UI is; on Atlas for Government the ids beside the link find the resource.
 */
export function atlasUiUrl(c: Pick<ReportCandidate, 'projectId' | 'kind'>): string | undefined {
  if (!/^[a-f0-9]{24}$/.test(c.projectId) || !isKindName(c.kind)) return undefined;
  return `${ATLAS_UI}/v2/${c.projectId}#/${kindOf(c.kind).atlasUiPage}`;
}

const STYLE = `
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2733;background:#fff}
body{margin:0 auto;max-width:1400px;padding:1rem 1.5rem;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .4rem;border-bottom:1px solid #d5dbe1}
.banner{padding:.8rem 1rem;font-weight:700;font-size:1.15rem;border:3px solid;margin:.6rem 0}
.dry{background:#fff4cc;border-color:#b58100;color:#5c4100}.plan{background:#e3eefc;border-color:#1d5fb4;color:#0d3569}.enforce{background:#fde2e1;border-color:#b3261e;color:#6b0f0a}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.totals{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0}.totals div{border:1px solid #d5dbe1;padding:.3rem .7rem;border-radius:4px}.totals b{font-size:1.2rem;display:block}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.3rem 0}th,td{border:1px solid #d5dbe1;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eef2f5}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.85rem;overflow-wrap:anywhere}time,td code.r{white-space:nowrap}
th[aria-sort]{cursor:pointer}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
details{margin:.3rem 0}details>summary{cursor:pointer;font-weight:600}.muted{color:#5a6672}.warn{color:#8a1c12;font-weight:600}
tr.child td:nth-child(2){padding-left:1.2rem}tr.child td:nth-child(2)::before{content:"↳ "}#candidates code.r,#candidates code.pid{white-space:normal;overflow-wrap:anywhere}#candidates td:nth-child(2){overflow-wrap:anywhere}dl.ev{display:grid;grid-template-columns:max-content 1fr;gap:0 .6rem;margin:.2rem 0}dl.ev dt{color:#5a6672}dl.ev dd{margin:0}.note{background:#fff4cc;padding:.1rem .3rem;display:block;margin:.2rem 0}
pre{background:#f3f5f7;padding:.5rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
input.filter{margin:.3rem 0;padding:.25rem .4rem;width:20rem;max-width:100%}
section.lazy{content-visibility:auto;contain-intrinsic-size:auto 40rem}table.fixed{table-layout:fixed}code.pid{white-space:nowrap}
@media print{section.lazy{content-visibility:visible}input.filter{display:none}th[aria-sort]::after{content:""}body{max-width:none;padding:0}a{color:inherit;text-decoration:none}table{page-break-inside:auto}tr{page-break-inside:avoid}h2{page-break-after:avoid}}
`;

/**
 * Sorting (click a header) and filtering (a box above each table with class `f`), added only when
 * script runs: without it the tables are complete and in report order.
 */
const SCRIPT = `
document.querySelectorAll('table.s').forEach(function(t){var b=t.tBodies[0];t.querySelectorAll('th').forEach(function(h,i){h.setAttribute('aria-sort','none');h.addEventListener('click',function(){var d=h.getAttribute('aria-sort')==='ascending'?-1:1;t.querySelectorAll('th').forEach(function(o){o.setAttribute('aria-sort','none')});h.setAttribute('aria-sort',d>0?'ascending':'descending');var k=function(r){var c=r.cells[i];return c?(c.getAttribute('data-v')||c.textContent):''};Array.from(b.rows).sort(function(x,y){var p=k(x),q=k(y),m=Number(p),n=Number(q);return d*(p!==''&&q!==''&&!isNaN(m)&&!isNaN(n)?m-n:p.localeCompare(q))}).forEach(function(r){b.appendChild(r)})})})});
document.querySelectorAll('table.f').forEach(function(t){var i=document.createElement('input');i.type='search';i.className='filter';i.placeholder='Filter these rows';i.setAttribute('aria-label','Filter '+(t.getAttribute('aria-label')||'rows'));t.parentNode.insertBefore(i,t);i.addEventListener('input',function(){var q=i.value.toLowerCase();Array.from(t.tBodies[0].rows).forEach(function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0})})});
`;

/** Only this exact script may run (CSP hash): text that slipped past escaping could not execute. */
const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

function time(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return esc(iso);
  return `<time datetime="${esc(d.toISOString())}">${d.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function num(n: number): string {
  // The sort key only where the shown text is not itself a plain number (thousands separators).
  return n < 1000 ? `<td class="n">${n}</td>` : `<td class="n" data-v="${n}">${n.toLocaleString('en-US')}</td>`;
}

function table(label: string, headers: readonly string[], rows: string[], classes = 's f', widths?: readonly string[]): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  const cols = widths ? `<colgroup>${widths.map((w) => `<col style="width:${w}">`).join('')}</colgroup>` : '';
  return `<table class="${classes}" aria-label="${esc(label)}">${cols}<thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function projectLabel(names: ReadonlyMap<string, string>, projectId: string): string {
  const name = names.get(projectId);
  return name ? `${esc(name)}<br><code class="muted pid">${esc(projectId)}</code>` : `<code class="pid">${esc(projectId)}</code>`;
}

/** Evidence fields that say why a row is stale: states, statuses, errors. The raw object is behind a toggle. */
const TELLING_FIELD = /status|state|error|reason|deleteRequested/i;

function evidenceList(c: ReportCandidate): string {
  const fields = Object.entries(c.evidence?.fields ?? {}).filter(([k, v]) => TELLING_FIELD.test(k) && v !== null && typeof v !== 'object');
  const rows = fields.map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`);
  const parent = c.evidence?.parent;
  if (parent) rows.push(`<dt>endpoint service</dt><dd><code>${esc(parent.id)}</code> <code>${esc(parent.status)}</code></dd>`);
  return rows.length > 0 ? `<dl class="ev">${rows.join('')}</dl>` : '';
}

/** An endpoint here for its service's sake while its own state looks healthy: said in so many words. */
function orphanNote(c: ReportCandidate, services: ReadonlySet<string>): string {
  const parent = c.evidence?.parent;
  if (!parent) return '';
  if (c.rule.startsWith('orphaned') && c.state !== 'NOT_FOUND' && parent.status !== 'AVAILABLE') {
    return `<span class="note">Its own state (${esc(c.state)}) looks healthy; it is here because its endpoint service <code>${esc(parent.id)}</code> is ${esc(parent.status)}, which orphans it.${services.has(parent.id) ? ' The service is planned too, after its endpoints.' : ''}</span>`;
  }
  return services.has(parent.id) ? `<span class="muted">under endpoint service <code>${esc(parent.id)}</code>, planned too</span><br>` : '';
}

interface CandidateColumns {
  ledger: boolean;
  outcomes?: ReadonlyMap<string, PageOutcome> | undefined;
}

function candidateRow(c: ReportCandidate, names: ReadonlyMap<string, string>, columns: CandidateColumns, services: ReadonlySet<string>, child: boolean): string {
  const url = atlasUiUrl(c);
  const link = url ? ` <a href="${esc(url)}" title="The project's page in the Atlas UI">Atlas&nbsp;UI</a>` : '';
  const times = columns.ledger ? `<td data-v="${esc(c.firstSeenAt ?? '')}">${time(c.firstSeenAt)}</td><td data-v="${esc(c.eligibleAt ?? '')}">${time(c.eligibleAt)}</td>` : '';
  const raw = c.evidence ? `<details><summary>raw JSON</summary><pre>${esc(JSON.stringify(c.evidence, null, 1))}</pre></details>` : '';
  const why = `${c.alsoRemoves ? `<strong>also removes: ${esc(c.alsoRemoves)}</strong><br>` : ''}${orphanNote(c, services)}${esc(c.reason)}${evidenceList(c)}<span class="muted">job <code>${esc(c.jobId)}</code></span>${raw}`;
  const outcome = columns.outcomes ? `<td>${outcomeCell(columns.outcomes.get(c.jobId))}</td>` : '';
  return `<tr${child ? ' class="child"' : ''}><td>${projectLabel(names, c.projectId)}</td><td>${esc(c.kind)}</td><td>${esc(c.provider ?? '')}</td><td><code>${esc(c.id)}</code>${link}</td><td><code class="r">${esc(c.rule)}</code></td><td>${esc(c.state)}</td>${times}<td>${why}</td>${outcome}</tr>`;
}

function outcomeCell(o: PageOutcome | undefined): string {
  if (!o) return '<span class="muted">not run</span>';
  return `<strong>${esc(o.outcome)}</strong>${o.reason ? `<br>${esc(o.reason)}` : ''}`;
}

/** Column widths of the candidates' table: the reason and evidence get the room, ids wrap anywhere. */
function candidateWidths(columns: CandidateColumns): string[] {
  return ['15%', '11.5%', '6.5%', '14%', '10%', '8%', ...(columns.ledger ? ['7%', '7%'] : []), 'auto', ...(columns.outcomes ? ['12%'] : [])];
}

/**
 * Candidates in report order, each endpoint service followed by its planned endpoints (which go first:
 * the service's job waits for them), so a row's parent is the row above it.
 */
function candidateRows(report: PageReport, names: ReadonlyMap<string, string>, columns: CandidateColumns): string[] {
  const key = (projectId: string, id: string) => `${projectId}/${id}`;
  const services = new Set(report.candidates.filter((c) => report.candidates.some((e) => e.evidence?.parent?.id === c.id && e.projectId === c.projectId)).map((c) => key(c.projectId, c.id)));
  const childOf = (c: ReportCandidate) => (c.evidence?.parent && services.has(key(c.projectId, c.evidence.parent.id)) ? key(c.projectId, c.evidence.parent.id) : undefined);
  const rows: string[] = [];
  for (const c of report.candidates) {
    if (childOf(c)) continue;
    const serviceIds = new Set([...services].filter((k) => k.startsWith(`${c.projectId}/`)).map((k) => k.slice(c.projectId.length + 1)));
    rows.push(candidateRow(c, names, columns, serviceIds, false));
    if (services.has(key(c.projectId, c.id))) {
      for (const e of report.candidates.filter((x) => childOf(x) === key(c.projectId, c.id))) rows.push(candidateRow(e, names, columns, serviceIds, true));
    }
  }
  return rows;
}

function keptRow(k: Kept, names: ReadonlyMap<string, string>, ledger: boolean): string {
  const eligible = ledger ? `<td data-v="${esc(k.eligibleAt ?? '')}">${time(k.eligibleAt)}</td>` : '';
  return `<tr><td>${projectLabel(names, k.projectId)}</td><td>${esc(k.kind)}</td><td>${esc(k.provider ?? '')}</td><td><code>${esc(k.id)}</code></td><td>${esc(k.state)}</td><td>${esc(k.reason)}</td>${eligible}</tr>`;
}

function keptSection(report: PageReport, names: ReadonlyMap<string, string>): string {
  const groups = keptGroups(report);
  if (groups.length === 0) return '<p class="muted">Nothing kept.</p>';
  return groups
    .map((g) => {
      const shown = Math.min(g.entries.length, MAX_KEPT_ROWS);
      const listed = shown === g.count ? '' : shown === 0 ? ' — listed by count only' : ` — ${shown.toLocaleString('en-US')} shown`;
      const ledger = g.entries.some((k) => k.eligibleAt !== undefined);
      const rows = g.entries.slice(0, MAX_KEPT_ROWS).map((k) => keptRow(k, names, ledger));
      const body = rows.length > 0 ? table(`kept: ${GROUP_TITLES[g.name]}`, ['project', 'kind', 'provider', 'id', 'state', 'why kept', ...(ledger ? ['eligible at'] : [])], rows) : '';
      return `<details class="kept" data-cause="${esc(g.name)}"><summary>${esc(GROUP_TITLES[g.name])}: ${g.count.toLocaleString('en-US')}${listed}</summary>${body}</details>`;
    })
    .join('\n');
}

/** The whole page; a pure function of the report and the options. */
export function renderReportHtml(report: PageReport, options: PageOptions): string {
  const names = new Map(report.projects.filter((p) => p.projectName).map((p) => [p.projectId, p.projectName!]));
  const seen = report.projects.reduce((sum, p) => sum + p.seen, 0);
  const kept = keptTotal(report);
  const story = bannerOf(report, options, (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`);
  const banner = `<div class="banner ${story.cls}" role="status" id="mode-banner">${esc(story.text)}</div>`;
  const kind = runKind(report, options);
  const columns: CandidateColumns = { ledger: report.candidates.some((c) => c.firstSeenAt !== undefined), outcomes: options.outcomes };
  const candidateHeaders = ['project', 'kind', 'provider', 'id', 'rule', 'state', ...(columns.ledger ? ['first seen stale', 'eligible at'] : []), 'why: reason and evidence', ...(columns.outcomes ? ['outcome'] : [])];
  const orgs = report.atlas?.organizations.map((o) => (o.name ? `${esc(o.name)} <code class="muted">${esc(o.id)}</code>` : `<code>${esc(o.id)}</code>`)).join(', ');
  const atlasFacts = report.atlas
    ? `<dt>Atlas</dt><dd><code>${esc(report.atlas.baseUrl)}</code></dd><dt>Organizations</dt><dd>${orgs || '<span class="muted">none</span>'}</dd>`
    : '<dt>Atlas</dt><dd class="muted">not recorded by this run</dd>';
  const plan = options.plan;
  const planFacts = plan ? `<dt>Plan</dt><dd><code>${esc(plan.planId)}</code>, made ${time(plan.madeAt)}, expires ${time(plan.expiresAt)}</dd><dt>Digest</dt><dd><code>${esc(plan.digest)}</code> (SHA-256)</dd>` : '';
  const steps = nextSteps(report, options);
  const rules = [...new Set(report.candidates.map((c) => c.rule))].sort();
  const refusedByProject = roleRefusedProjects([...(options.outcomes ?? new Map<string, PageOutcome>())].flatMap(([jobId, o]) => {
    const projectId = report.candidates.find((c) => c.jobId === jobId)?.projectId;
    return projectId ? [{ projectId, errorCode: o.errorCode }] : [];
  }));
  const roleNotices = [...refusedByProject].map(([projectId, jobs]) => `<p class="warn role-refused">${esc(roleRefusalNotice(names.get(projectId) ? `${names.get(projectId)} (${projectId})` : projectId, jobs))}</p>`).join('\n');
  const cap = report.capExceeded
    ? `<p class="warn">The cap of ${report.capExceeded.cap} deletions per run held ${report.capExceeded.held} of ${report.capExceeded.found} candidates, whole projects at a time: they are listed as held by the cap.</p>`
    : '';
  // An apply from this machine reads only what the plan names: the scan's totals were not measured, and
  // a page must not show a made-up zero for them.
  const measured = !options.appliedHere;
  const totals: [string, number][] = [
    ['projects', report.projects.length],
    ...(measured ? [['resources seen', seen] as [string, number]] : []),
    [report.mode === 'dry-run' ? 'would delete' : 'planned', report.candidates.length],
    ...(measured ? [['kept', kept] as [string, number]] : []),
    ['errors', report.errors.length],
    ...(measured ? [['API calls', report.apiCalls.total] as [string, number]] : []),
  ];
  const projectHeaders = measured ? ['name', 'project id', 'seen', 'stale', 'kept', 'errors', 'API calls', 'duration'] : ['name', 'project id', 'planned'];
  const projectRows = report.projects.map((p) =>
    measured
      ? `<tr><td>${esc(p.projectName ?? '')}</td><td><code class="pid">${esc(p.projectId)}</code></td>${num(p.seen)}${num(p.candidates)}${num(p.kept)}${num(p.errors)}${num(p.apiCalls)}<td class="n" data-v="${p.durationMs}">${duration(p.durationMs)}</td></tr>`
      : `<tr><td>${esc(p.projectName ?? '')}</td><td><code class="pid">${esc(p.projectId)}</code></td>${num(p.candidates)}</tr>`,
  );
  const notMeasured = '<dd class="muted">not measured by apply</dd>';
  const errorRows = report.errors.map(
    (e) => `<tr><td>${e.projectId ? projectLabel(names, e.projectId) : ''}</td><td>${esc(e.kind ?? '')}</td><td><code>${esc(e.id ?? '')}</code></td><td>${esc(e.status ?? '')}</td><td><code>${esc(e.errorCode ?? '')}</code></td><td>${esc(e.message)}</td></tr>`,
  );
  const expired = report.expiredProtections ?? [];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>atlas-janitor ${esc(kind)} (${esc(report.mode)}) — ${esc(report.sweepId)}</title>
<style>${STYLE}</style></head><body>
<header><h1>atlas-janitor ${esc(kind)} report</h1>
${banner}
<dl class="facts">${atlasFacts}${plan ? '' : `<dt>${kind === 'plan' ? 'Plan' : 'Sweep'}</dt><dd><code>${esc(report.sweepId)}</code></dd>`}<dt>Mode</dt><dd>${esc(report.mode)}</dd>${planFacts}<dt>Generated</dt><dd>${time(options.generatedAt)}</dd><dt>Duration</dt>${measured ? `<dd>${duration(report.durationMs)}</dd>` : notMeasured}<dt>API calls</dt>${measured ? `<dd>${report.apiCalls.total.toLocaleString('en-US')} (+ ${report.apiCalls.auth} authentication)</dd>` : notMeasured}${options.source ? `<dt>Source</dt><dd>${esc(options.source)}</dd>` : ''}</dl>
<div class="totals">${totals.map(([label, n]) => `<div><b>${n.toLocaleString('en-US')}</b>${esc(label)}</div>`).join('')}</div>
${cap}${roleNotices}</header>
<main>
<section id="candidates"><h2>${esc(candidatesHeading(report, options))} (${report.candidates.length})</h2>
${table('candidates', candidateHeaders, candidateRows(report, names, columns), 's f fixed', candidateWidths(columns))}
${rules.length > 0 ? `<h3>Why these are here</h3><dl class="facts">${rules.map((r) => `<dt><code>${esc(r)}</code></dt><dd>${esc(ruleSpec(r)?.why ?? '')}</dd>`).join('')}</dl>` : ''}
</section>
<section id="kept">${measured ? `<h2>Kept (${kept.toLocaleString('en-US')})</h2>
${keptSection(report, names)}` : '<h2>Kept</h2><p class="muted">Not measured by apply, which reads only the rows of the plan: the plan\'s own page lists what its run kept.</p>'}
</section>
<section id="errors"><h2>Errors (${report.errors.length})</h2>
${table('errors', ['project', 'kind', 'id', 'status', 'error code', 'message'], errorRows)}
</section>
${expired.length > 0 ? `<section id="expired"><h2>Expired protections (${expired.length})</h2>${table('expired protections', ['selector', 'owner', 'reason', 'expired'], expired.map((p) => `<tr><td><code>${esc(p.selector)}</code></td><td>${esc(p.owner)}</td><td>${esc(p.reason)}</td><td>${time(p.expiredAt)}</td></tr>`))}</section>` : ''}
<section id="projects"${report.projects.length > LAZY_PROJECTS ? ' class="lazy"' : ''}><h2>Projects (${report.projects.length.toLocaleString('en-US')})</h2>
${table('projects', projectHeaders, projectRows, report.projects.length > LAZY_PROJECTS ? 's f fixed' : 's f')}
</section>
<section id="next"><h2>${report.mode === 'plan' && plan && !plan.approval ? 'How to approve' : 'What next'}</h2>
${steps.map((st) => `<h3>${esc(st.title)}</h3><p>${esc(st.text)}</p>${st.code ? `<pre><code>${esc(st.code)}</code></pre>` : ''}`).join('\n')}
</section>
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
