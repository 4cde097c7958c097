import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderReportHtml, type PageReport } from '../../lib/report';
import { UsageError, type Flags } from './args';

/** `--html FILE`, shared by scan, sweep and demo. */
export const HTML_FLAG = {
  html: { type: 'string', arg: 'FILE', help: 'also write the report as one self-contained HTML page (works offline, prints cleanly)' },
} as const satisfies Flags;

/**
 * Writes the report page and says where on stderr (stdout stays the report or its JSON). Returns the
 * absolute path, or undefined when no --html was given.
 */
export function writeReportPage(file: string | undefined, report: PageReport, source: string): string | undefined {
  if (file === undefined) return undefined;
  if (file.trim() === '') throw new UsageError('--html needs a file name');
  const path = resolve(file);
  writeFileSync(path, renderReportHtml(report, { generatedAt: new Date().toISOString(), source }));
  process.stderr.write(`report page: ${path}\n`);
  return path;
}
