export { buildDeps, type ClientSettings, type JanitorDeps } from './deps';
export { keptByCause, notifyProjectScan, projectReport, reportCandidates } from './report-builder';
export {
  effectiveMode,
  enqueueJobs,
  runProjectScan,
  scanOneRequest,
  scanAndPlan,
  type PlanContext,
  type ProjectScanResult,
} from './scan-run';
export { inlineSweep, queueSweep, type SweepSummary } from './sweep-run';
export { InProcessExecutor, QueueExecutor, type InProcessOptions, type ScanExecutor, type SweepWork } from './executor';
export { ledgerBudget, memoryBudget, spendBudget, type DeletionBudget } from './budget';
export { RunFailedError, fatalErrors } from './failures';
export { assemblePages, type PageDeps, type PageRun } from './report-pages';
export { scanRequestMessage, type ScanMessageResult } from './scan-message';
export { LEFT_OUT, applyStoredPlan, claimAndRun, currentBaseUrl, outcomesOf, pagePlanOf, planOfReport, storePlanPage, type AppliedPlan } from './plan-run';
export { scopeBaseUrl } from './sweep-run';
