export { defaultSweepId, type JanitorDeps } from './deps';
export { buildReport, notifyProjectScan, reportCandidates } from './report-builder';
export {
  checkSecretId,
  effectiveMode,
  enqueueJobs,
  runProjectScan,
  scanAndPlan,
  type PlanContext,
  type ProjectScanResult,
} from './scan-run';
export { inlineSweep, runSweep, type InlineOptions, type SweepRequest, type SweepSummary } from './sweep-run';
