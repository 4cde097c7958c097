export type { AtlasScope, ExpiredProtection, ProjectSummary, ReportCandidate, ReportError, ScanReport } from './report';
export { MAX_KEPT_ROWS, atlasUiUrl, renderReportHtml, type PageOptions, type PageReport } from './html';
export { outcomeCounts, type PageOutcome, type PagePlan, type PageStory, type RunKind } from './page-story';
export { keptGroupOf, keptGroups, keptTotal, type KeptGroup, type KeptGroupName, type KeptSource } from './kept';
export { KEPT_SAMPLE_PER_GROUP, ReportMerger } from './merge';
export { ReportStore, ReportStoreError, reportKeys, type PageLocation, type SweepManifest } from './store';
