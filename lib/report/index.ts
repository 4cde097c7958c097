export { KEPT_SAMPLE_SIZE } from './report';
export type { ExpiredProtection, ProjectSummary, ReportCandidate, ReportError, ScanReport } from './report';
