export { defaultSweepId, type JanitorDeps } from './deps';
export { buildReport } from './report-builder';
export { effectiveMode, reportCandidates, runProjectScan, type ProjectScanResult } from './scan-run';
export { runSweep, type SweepRequest, type SweepSummary } from './sweep-run';
