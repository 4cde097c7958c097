export type { ProjectSummary, ReportCandidate, ReportError, ScanReport } from './report';
