import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseApplyEvent } from '../../lib/approval';
import { ENV } from '../../lib/config';
import { parseSecret } from '../../lib/credentials';
import { jobIdFor, parseDeleteJob, parseScanRequest, parseSweepEvent, refOf } from '../../lib/jobs';
import { RULE_NAMES } from '../../lib/kinds';
import { parseRegistry } from '../../lib/protections';
import { ROOT, codeBlocks, docPage, docPages, jsonBlocks, option, shellLines, shellWords } from '../support/docs';

const messages = docPage('messages.md');

describe('docs/messages.md', () => {
  const blocks = jsonBlocks(messages);
  const byType = (type: string) => blocks.filter((b) => b['type'] === type);

  it('shows one scan request, one delete job and one console event, each accepted by its parser', () => {
    expect(byType('delete')).toHaveLength(1);
    expect(byType('scan')).toHaveLength(1);
    expect(() => parseDeleteJob(byType('delete')[0])).not.toThrow();
    expect(() => parseScanRequest(byType('scan')[0])).not.toThrow();
    expect(parseSweepEvent(blocks.find((b) => 'inline' in b))).toMatchObject({ inline: true });
    // The apply request on this page and the one in docs/operate.md are accepted as they stand.
    for (const page of [messages, docPage('operate.md')]) {
      const apply = jsonBlocks(page).filter((b) => 'apply' in b);
      expect(apply).toHaveLength(1);
      expect(() => parseApplyEvent(apply[0])).not.toThrow();
    }
  });

  it('sends messages with aws sqs send-message that the scan and the worker accept, the delete job with its own id as deduplication id', () => {
    const sends = shellLines(messages, 'aws sqs send-message').map(shellWords);
    const applies = sends.filter((w) => option(w, 'message-body')!.startsWith('{"apply"'));
    expect(applies).toHaveLength(1);
    expect(parseApplyEvent(option(applies[0]!, 'message-body'))).toMatchObject({ approvedBy: 'change-1234' });
    const toScan = sends.filter((w) => option(w, 'queue-url')!.endsWith('-scan') && !applies.includes(w));
    const toDelete = sends.filter((w) => option(w, 'queue-url')!.endsWith('-delete.fifo'));
    expect(toScan).toHaveLength(1);
    expect(toDelete).toHaveLength(1);
    expect(parseScanRequest(option(toScan[0]!, 'message-body'))).toMatchObject({ type: 'scan' });
    const job = parseDeleteJob(option(toDelete[0]!, 'message-body'));
    expect(option(toDelete[0]!, 'message-group-id')).toBe(job.projectId);
    expect(option(toDelete[0]!, 'message-deduplication-id')).toBe(job.jobId);
  });

  it('gives a job id recipe whose command prints the id the worker computes for the example job', () => {
    const job = parseDeleteJob(byType('delete')[0]);
    const recipe = shellLines(messages, 'node -e ');
    expect(recipe).toHaveLength(1);
    const printed = execFileSync(process.execPath, ['-e', shellWords(recipe[0]!)[2]!], { encoding: 'utf8' }).trim();
    expect(printed).toBe(jobIdFor(refOf(job)));
    expect(printed).toBe(job.jobId);
    expect(messages).toContain(`prints \`${printed}\``);
  });
});

describe('the operator pages', () => {
  it('name every rule in docs/rules.md and every configuration variable in docs/configuration.md', () => {
    const rules = docPage('rules.md');
    const configuration = docPage('configuration.md');
    for (const rule of RULE_NAMES) expect(rules).toContain(`\`${rule}\``);
    for (const variable of Object.values(ENV)) expect(configuration).toContain(`\`${variable}\``);
  });

  it('show a protection registry that the registry parser accepts', () => {
    const [registry] = codeBlocks(docPage('operate.md'), 'json');
    expect(parseRegistry('docs/operate.md', registry!).length).toBeGreaterThan(0);
  });

  it('store secrets in the two shapes the functions read', () => {
    const secrets = shellLines(docPage('deploy.md'), 'aws secretsmanager create-secret').map((l) => option(shellWords(l), 'secret-string')!);
    expect(secrets.map((s) => parseSecret('docs/deploy.md', s).credentials.type).sort()).toEqual(['apiKey', 'serviceAccount']);
  });

  it('invoke the sweep with events it accepts', () => {
    const invokes = shellLines(docPage('deploy.md'), 'npx sls invoke').map((l) => option(shellWords(l), 'data')!);
    expect(invokes.length).toBeGreaterThan(0);
    for (const data of invokes) expect(() => parseSweepEvent(JSON.parse(data))).not.toThrow();
  });

  it('run every aws command in the region of the deploy guide\'s stage block', () => {
    const [stage] = codeBlocks(docPage('deploy.md'), 'yaml').map((y) => parseYaml(y) as { params: Record<string, { region: string }> });
    const region = Object.values(stage!.params)[0]!.region;
    const lines = Object.values(docPages()).flatMap((page) => shellLines(page, 'aws '));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(option(shellWords(line), 'region'), line).toBe(region);
  });
});

describe('links between the pages', () => {
  /** A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces as hyphens. */
  const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
  const anchorsOf = (page: string) => new Set([...page.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));

  it('point at files that exist and headings that exist', () => {
    const pages = docPages();
    const broken: string[] = [];
    let checked = 0;
    for (const [name, text] of Object.entries(pages)) {
      const base = name === 'README.md' ? ROOT : resolve(ROOT, 'docs');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target!)) continue;
        checked++;
        const [file, anchor] = target!.split('#');
        const path = file ? resolve(base, file) : resolve(base, name === 'README.md' ? 'README.md' : name);
        if (!existsSync(path)) broken.push(`${name}: ${target}`);
        else if (anchor && path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${name}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });
});
