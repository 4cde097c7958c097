export type { ExpiredProtection, ProjectSummary, ReportCandidate, ReportError, ScanReport } from './report';
