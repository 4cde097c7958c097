export { ApiCallCounter } from './call-counter';
export { createReadContext } from './read-context';
export { reportError, scanProject, type ProjectScan, type ScanProjectOptions } from './scan-project';
