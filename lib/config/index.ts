export { ENV, MODES, loadConfig, type JanitorConfig, type Mode, type ProjectFilter, type WorkerSettings } from './config';
export { ConfigError } from './errors';
export { globToRegExp, matchesAnyGlob } from './glob';
