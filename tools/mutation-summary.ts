// Prints the score of the last `npm run mutation` per mutated file and in total, with the report's path:
// the figure to quote. Reads the JSON report StrykerJS wrote (mutation-testing-report-schema).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const JSON_REPORT = 'reports/mutation/mutation.json';
const HTML_REPORT = 'reports/mutation/mutation.html';

interface Tally {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  errors: number;
}

const report = JSON.parse(readFileSync(JSON_REPORT, 'utf8')) as { files: Record<string, { mutants: { status: string }[] }> };
const empty = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 });
const total = empty();
const rows: [string, Tally][] = [];
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const tally = empty();
  for (const { status } of mutants) {
    const key = ({ Killed: 'killed', Timeout: 'timeout', Survived: 'survived', NoCoverage: 'noCoverage' } as const)[status as 'Killed'] ?? 'errors';
    tally[key]++;
    total[key]++;
  }
  rows.push([file, tally]);
}
rows.push(['all files', total]);

// Stryker's score: killed and timed out over every mutant that was not an error.
function score(t: Tally): string {
  const detected = t.killed + t.timeout;
  const valid = detected + t.survived + t.noCoverage;
  return valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`;
}

const width = Math.max(...rows.map(([file]) => file.length));
console.log(`\n${'file'.padEnd(width)}  score   killed  survived  no cov  timeout  errors`);
for (const [file, t] of rows) {
  const cells = [t.killed, t.survived, t.noCoverage, t.timeout, t.errors].map((n, i) => String(n).padStart([6, 8, 6, 7, 6][i]!));
  console.log(`${file.padEnd(width)}  ${score(t).padStart(6)}  ${cells.join('  ')}`);
}
console.log(`\nmutation score ${score(total)} over ${rows.length - 1} files; report: ${resolve(HTML_REPORT)}`);
