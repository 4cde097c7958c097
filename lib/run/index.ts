export { buildDeps, type ClientSettings, type JanitorDeps } from './deps';
export { buildReport, notifyProjectScan, projectReport, reportCandidates } from './report-builder';
export {
  effectiveMode,
  enqueueJobs,
  runProjectScan,
  scanAndPlan,
  type PlanContext,
  type ProjectScanResult,
} from './scan-run';
export { inlineSweep, runSweep, type InlineOptions, type SweepSummary } from './sweep-run';
export { RunFailedError, fatalErrors } from './failures';
export { assemblePages, type PageDeps, type PageRun } from './report-pages';
