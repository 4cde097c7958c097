export { defaultSweepId, type JanitorDeps } from './deps';
export { mapLimit } from './map-limit';
export { buildReport } from './report-builder';
export {
  checkSecretId,
  effectiveMode,
  enqueueJobs,
  notifyProjectScan,
  projectReport,
  reportCandidates,
  runProjectScan,
  scanAndPlan,
  type PlanContext,
  type ProjectScanResult,
} from './scan-run';
export { inlineSweep, runSweep, type InlineOptions, type SweepRequest, type SweepSummary } from './sweep-run';
export { assemblePages, type PageDeps, type PageRun } from './report-pages';
