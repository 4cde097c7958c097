import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderReportHtml, type PageReport } from '../../lib/report';
import { UsageError, type Flags } from './args';

/** `--html FILE`, shared by scan, sweep and demo. */
export const HTML_FLAG = {
  html: { type: 'string', arg: 'FILE', help: 'also write the report as one self-contained HTML page (works offline, prints cleanly)' },
} as const satisfies Flags;

/**
 * The page's absolute path, checked before any work: a page that cannot be written is a usage error
 * now, not a failed run after the whole scan. Undefined when no --html was given.
 */
export function reportPagePath(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (file.trim() === '') throw new UsageError('--html needs a file name');
  const path = resolve(file);
  const problem = whyUnwritable(path);
  if (problem) throw new UsageError(`--html: cannot write ${path}: ${problem}`);
  return path;
}

/** Checked without creating or emptying the file: the run may still fail before there is a page. */
function whyUnwritable(path: string): string | undefined {
  const folder = dirname(path);
  try {
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing?.isDirectory()) return 'it is a folder';
    if (!existing && !statSync(folder).isDirectory()) return `${folder} is not a folder`;
    accessSync(existing ? path : folder, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no folder ${folder}` : (code ?? String(error));
  }
}

/**
 * Writes the report page to a path from `reportPagePath` and says where on stderr (stdout stays the
 * report or its JSON). Does nothing when no --html was given.
 */
export function writeReportPage(path: string | undefined, report: PageReport, source: string): void {
  if (path === undefined) return;
  writeFileSync(path, renderReportHtml(report, { generatedAt: new Date().toISOString(), source }));
  process.stderr.write(`report page: ${path}\n`);
}
