import { closeSync, existsSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderReportHtml, type PageReport, type PageStory } from '../../lib/report';
import { CommandError, EXIT, UsageError, type Flags } from './args';
import { warnLine } from './terminal';

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

/**
 * Checked without emptying an existing file: the run may still fail before there is a page. A new file is
 * created and removed again, which is the only way to learn that the folder takes it (`/proc` says it is
 * writable and is not); a device or anything else that is not a regular file is refused (`/dev/full`).
 */
function whyUnwritable(path: string): string | undefined {
  const folder = dirname(path);
  try {
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing?.isDirectory()) return 'it is a folder';
    if (existing && !existing.isFile()) return 'it is not a regular file';
    if (existing) {
      closeSync(openSync(path, 'r+'));
      return undefined;
    }
    if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
    closeSync(openSync(path, 'wx'));
    unlinkSync(path);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return existsSync(folder) ? `${folder} takes no new file (ENOENT)` : `no folder ${folder}`;
    return code ?? String(error);
  }
}

/**
 * Writes the report page to a path from `reportPagePath` and says where on stderr (stdout stays the
 * report or its JSON). Does nothing when no --html was given. A write that fails after the check (a full
 * disk) is a CommandError naming --html; callers print the report first, so it is never lost.
 */
export function writeReportPage(path: string | undefined, report: PageReport, source: string, story: PageStory = {}): void {
  if (path === undefined) return;
  try {
    writeFileSync(path, renderReportHtml(report, { generatedAt: new Date().toISOString(), source, ...story }));
  } catch (error) {
    throw new CommandError(EXIT.failed, `--html: could not write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  warnLine(`report page: ${path}`);
}
