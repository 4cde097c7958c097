import type { Project } from '../atlas';
import { matchesAnyGlob, type ProjectFilter } from '../config';

export interface ProjectSelection {
  selected: Project[];
  /** Projects left out, each with why. */
  skipped: { projectId: string; name: string; reason: string }[];
}

/**
 * Applies include/exclude by id and by name glob. An exclusion always wins; with no include rules every
 * project is included.
 */
export function selectProjects(projects: readonly Project[], filter: ProjectFilter): ProjectSelection {
  const hasIncludes = filter.includeIds.size > 0 || filter.includeNames.length > 0;
  const selection: ProjectSelection = { selected: [], skipped: [] };
  for (const project of projects) {
    const reason = exclusionReason(project, filter, hasIncludes);
    if (reason) selection.skipped.push({ projectId: project.id, name: project.name, reason });
    else selection.selected.push(project);
  }
  return selection;
}

function exclusionReason(project: Project, filter: ProjectFilter, hasIncludes: boolean): string | undefined {
  if (filter.excludeIds.has(project.id)) return 'excluded by id';
  if (matchesAnyGlob(project.name, filter.excludeNames)) return 'excluded by name';
  if (hasIncludes && !filter.includeIds.has(project.id) && !matchesAnyGlob(project.name, filter.includeNames)) {
    return 'not in the include list';
  }
  return undefined;
}
