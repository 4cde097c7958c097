export { ENV, MODES, loadConfig, type JanitorConfig, type Mode, type ProjectFilter } from './config';
export { ConfigError } from './errors';
export { globToRegExp, matchesAnyGlob } from './glob';
