import { ID_FORMATS, type Project } from '../atlas';
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
    if (reason) selection.skipped.push({ projectId: project.id.slice(0, 80), name: project.name.slice(0, 200), reason });
    else selection.selected.push(project);
  }
  return selection;
}

function exclusionReason(project: Project, filter: ProjectFilter, hasIncludes: boolean): string | undefined {
  // A project id is checked where it is read, like every id from Atlas: one that no URL may carry is never scanned.
  if (!ID_FORMATS.objectId.test(project.id)) return `its id ${JSON.stringify(project.id.slice(0, 80))} has an unexpected format`;
  if (filter.excludeIds.has(project.id)) return 'excluded by id';
  if (matchesAnyGlob(project.name, filter.excludeNames)) return 'excluded by name';
  if (hasIncludes && !filter.includeIds.has(project.id) && !matchesAnyGlob(project.name, filter.includeNames)) {
    return 'not in the include list';
  }
  return undefined;
}
