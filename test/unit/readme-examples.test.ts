import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lib/config';
import { parseDeleteJob, parseScanRequest, parseSweepEvent } from '../../lib/jobs';
import { RULE_NAMES } from '../../lib/kinds';

const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
const jsonBlocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

describe('README', () => {
  it('shows message examples that the schemas accept', () => {
    const byType = (type: string | undefined) => jsonBlocks.filter((b) => b['type'] === type);
    expect(byType('delete')).toHaveLength(1);
    expect(byType('scan')).toHaveLength(1);
    for (const job of byType('delete')) expect(() => parseDeleteJob(job)).not.toThrow();
    for (const scan of byType('scan')) expect(() => parseScanRequest(scan)).not.toThrow();
    const consoleEvent = jsonBlocks.find((b) => 'inline' in b)!;
    expect(parseSweepEvent(consoleEvent)).toMatchObject({ inline: true });
  });

  it('documents every rule and every configuration variable', () => {
    for (const rule of RULE_NAMES) expect(readme).toContain(`\`${rule}\``);
    for (const variable of Object.values(ENV)) expect(readme).toContain(variable);
  });
});
