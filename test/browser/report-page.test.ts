import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kept, KeptCause } from '../../lib/plan';
import { renderReportHtml, type PageReport, type ReportCandidate } from '../../lib/report';
import { expectedDeletions } from '../../tools/scenarios/generate';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

/**
 * The report page in a real browser: Debian's chromium driven by playwright-core (no browser download).
 * `.ci/run` installs chromium; where it is missing this file skips and says why.
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const OUTPUT = join(ROOT, 'test-output', 'browser');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
const run = promisify(execFile);

/** The stated limit for a 10,000-project page: small enough to mail and to open at once. */
const LARGE_PAGE_LIMIT_BYTES = 6 * 1024 * 1024;

const available = existsSync(CHROMIUM);
// Where chromium is absent the skip says so in the test's name (the closing line lists skipped tests).
const title = available
  ? 'report page in headless Chromium'
  : `report page in headless Chromium (skipped: no ${CHROMIUM}; install Debian's chromium package, as .ci/run does)`;

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  let sim: Simulator;
  let demoPage: string;
  let demoReport: PageReport;
  let planPage: string;
  let planFile: string;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 60_000 });
    // The demo scenario's plan, through the command line as a user would make it.
    demoPage = join(OUTPUT, 'demo-report.html');
    const { stdout } = await run(process.execPath, [TSX, 'tools/cli/main.ts', 'scan', '--all', '--base-url', sim.url, '--grace', 'default=0', '--json', '--html', demoPage], {
      cwd: ROOT,
      env: { ...process.env, MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey, ATLAS_SECRET_IDS: '', NODE_NO_WARNINGS: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    demoReport = JSON.parse(stdout);
    // The demo's plan, as a person makes it before approving.
    planPage = join(OUTPUT, 'plan-page.html');
    planFile = join(OUTPUT, 'plan.json');
    await run(process.execPath, [TSX, 'tools/cli/main.ts', 'plan', '--all', '--base-url', sim.url, '--grace', 'default=0', '--out', planFile, '--html', planPage], {
      cwd: ROOT,
      env: { ...process.env, MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey, ATLAS_SECRET_IDS: '', NODE_NO_WARNINGS: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // --no-sandbox: sessions and CI run as root; the rest keep a headless run quiet and offline.
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
  });

  /** Opens a page file, failing on any console error, page error or request that leaves the file. */
  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
    page.on('request', (r) => void (!r.url().startsWith('file://') && problems.push(`request: ${r.url()}`)));
    await page.goto(`file://${path}`);
    return { page, problems };
  }

  it('shows the demo plan: the dry-run banner and the 16 stale resources with their rules, with no console error', async () => {
    const expected = expectedDeletions(JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')));
    expect(expected).toHaveLength(16);
    const { page, problems } = await open(demoPage);
    await expect.poll(() => page.locator('#mode-banner').isVisible()).toBe(true);
    expect(await page.locator('#mode-banner').innerText()).toMatch(/^DRY RUN — nothing was deleted/);
    const rows = page.locator('#candidates tbody tr');
    expect(await rows.count()).toBe(16);
    expect(await rows.first().isVisible()).toBe(true);
    const cell = (n: number) => rows.locator(`td:nth-child(${n})`).allInnerTexts();
    const [kinds, rules] = [await cell(2), await cell(5)];
    const shown = kinds.map((kind, i) => `${kind}|${rules[i]}`).sort();
    expect(shown).toEqual(expected.map((e) => `${e.kind}|${e.rule}`).sort());
    await page.screenshot({ path: join(OUTPUT, 'report-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the demo plan: the plan banner, which Atlas, each row\'s evidence inline, endpoints under their service, and how to approve, with no console error', async () => {
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { planId: string; digest: string; items: unknown[] };
    const { page, problems } = await open(planPage);
    expect(await page.locator('h1').innerText()).toBe('atlas-janitor plan report');
    expect(await page.locator('#mode-banner').innerText()).toMatch(/^PLAN — nothing was deleted or queued\. 16 resource\(s\) below await approval until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(await page.locator('dl.facts').first().innerText()).toMatch(new RegExp(`Atlas\\s+${sim.url.replace(/[.]/g, '\\.')}\\s+Organizations\\s+Platform [a-f0-9]{24}, Analytics [a-f0-9]{24}`));
    const rows = page.locator('#candidates tbody tr');
    expect(await rows.count()).toBe(plan.items.length);
    await page.screenshot({ path: join(OUTPUT, 'plan-page.png'), fullPage: true });
    // The reason and the fields that made each row stale are visible without opening anything; the raw JSON is not.
    const firstWhy = rows.first().locator('td').last();
    expect(await firstWhy.locator('dl.ev').isVisible()).toBe(true);
    expect(await firstWhy.locator('details pre').isVisible()).toBe(false);
    await firstWhy.locator('details summary').click();
    expect(await firstWhy.locator('details pre').isVisible()).toBe(true);
    // Every endpoint listed under a planned service sits right below it.
    const children = page.locator('#candidates tbody tr.child');
    expect(await children.count()).toBeGreaterThan(0);
    for (const child of await children.all()) {
      const service = /under endpoint service ([a-f0-9]{24})|endpoint service ([a-f0-9]{24}) is/.exec(await child.innerText());
      expect(service).not.toBeNull();
    }
    // The end of the page: the exact command to approve this plan file (no console event: the stack never sees the file), and how to protect a row.
    const next = page.locator('#next');
    expect(await next.locator('h2').innerText()).toBe('How to approve');
    const code = (await next.locator('pre code').allInnerTexts()).join('\n');
    expect(code).not.toContain('"apply"');
    expect(code).toContain(`atlas-janitor apply ${planFile} --digest ${plan.digest} --approved-by 'YOUR NAME'`);
    expect(await next.innerText()).toMatch(/To protect a row/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('filters and sorts the candidates with its script', async () => {
    const { page, problems } = await open(demoPage);
    const visible = () => page.locator('#candidates tbody tr:visible').count();
    const filter = page.locator('#candidates input.filter');
    await filter.fill('rejected-aws-endpoint');
    const rejected = demoReport.candidates.filter((c: ReportCandidate) => c.rule === 'rejected-aws-endpoint').length;
    expect(rejected).toBeGreaterThan(0);
    expect(await visible()).toBe(rejected);
    await filter.fill('no such thing');
    expect(await visible()).toBe(0);
    await filter.fill('');
    expect(await visible()).toBe(16);
    // Sort by id, twice: ascending then descending.
    const ids = () => page.locator('#candidates tbody tr td:nth-child(4) code').allInnerTexts();
    const header = page.locator('#candidates th', { hasText: /^id$/ });
    await header.click();
    const ascending = await ids();
    expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b)));
    await header.click();
    expect(await ids()).toEqual([...ascending].reverse());
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    // Kept resources are collapsed until asked for.
    const grace = page.locator('details.kept[data-cause=grace]');
    expect(await grace.locator('table').isVisible()).toBe(false);
    await grace.locator('summary').click();
    expect(await grace.locator('table').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it(`opens a 10,000-project report, under ${LARGE_PAGE_LIMIT_BYTES / 1024 / 1024} MB, listing kept resources by count`, async () => {
    const html = renderReportHtml(largeReport(10_000), { generatedAt: new Date().toISOString(), source: 'synthetic 10,000-project report' });
    const path = join(OUTPUT, 'large-report.html');
    writeFileSync(path, html);
    const bytes = statSync(path).size;
    console.log(`10,000-project page: ${(bytes / 1024 / 1024).toFixed(2)} MB (limit ${LARGE_PAGE_LIMIT_BYTES / 1024 / 1024} MB)`);
    expect(bytes).toBeLessThan(LARGE_PAGE_LIMIT_BYTES);
    const { page, problems } = await open(path);
    expect(await page.locator('#projects tbody tr').count()).toBe(10_000);
    expect(await page.locator('#candidates tbody tr').count()).toBe(1_000);
    expect(await page.locator('details.kept[data-cause=healthyOrUnread] summary').textContent()).toBe('Healthy or unreadable (listed by count): 60,000 — 200 shown');
    expect(await page.locator('details.kept[data-cause=protected] summary').textContent()).toBe('Protected: 300 — 200 shown');
    await page.locator('#projects input.filter').fill('project-09999');
    expect(await page.locator('#projects tbody tr:visible').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** A report the size a 10,000-project estate gives: kept resources as counts per cause and a sample. */
function largeReport(projects: number): PageReport {
  const id = (i: number) => i.toString(16).padStart(24, '0');
  const keptByCause: Partial<Record<KeptCause, number>> = { state: 60_000, grace: 2_000, protected: 300 };
  const sample = (cause: KeptCause, n: number): Kept[] =>
    Array.from({ length: n }, (_, i) => ({ projectId: id(i), kind: 'privateEndpoint', provider: 'AWS', id: `vpce-${i.toString(16).padStart(17, '0')}`, state: 'AVAILABLE', cause, reason: `kept (${cause})` }));
  return {
    sweepId: 'sweep-20261126T020000-large000',
    mode: 'dry-run',
    projects: Array.from({ length: projects }, (_, i) => ({ projectId: id(i), projectName: `project-${String(i).padStart(5, '0')}`, seen: 7, candidates: i < 1000 ? 1 : 0, kept: 6, errors: 0, apiCalls: 8, durationMs: 150 + (i % 400) })),
    candidates: Array.from({ length: 1000 }, (_, i) => ({ projectId: id(i), kind: 'networkPeering', provider: 'AWS', id: id(i + 1_000_000), state: 'FAILED', rule: 'failed-aws-peer', reason: 'statusName FAILED, errorStateName REJECTED', jobId: `job-${i}`, firstSeenAt: '2026-11-20T02:00:00.000Z', eligibleAt: '2026-11-21T02:00:00.000Z' })),
    keptByCause,
    kept: [...sample('state', 200), ...sample('grace', 200), ...sample('protected', 200)],
    keptTotal: 62_300,
    errors: Array.from({ length: 50 }, (_, i) => ({ projectId: id(i), kind: 'networkPeering', message: 'Atlas answered 500 after 4 attempts', status: 500, errorCode: 'UNEXPECTED_ERROR' })),
    enqueued: 0,
    apiCalls: { total: 80_000, auth: 1 },
    durationMs: 1_800_000,
  };
}
