export { ApiCallCounter } from './call-counter';
export { createScanContext } from './context';
export { reportError, scanProject, type ProjectScan, type ScanProjectOptions } from './scan-project';
