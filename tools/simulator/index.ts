/**
 * The stateful Atlas Admin API simulator: local tooling and the independent oracle for lib/atlas.
 * It must never be imported by lib/ or functions/, and it imports nothing from lib/.
 *
 * @example
 * const sim = await startSimulator({ scenario: 'tools/scenarios/demo.json', deleteDelayMs: 50 });
 * // ... point a client at sim.url ...
 * await sim.stop();
 */
import { startServer } from './server';
import type { Simulator, SimulatorOptions } from './types';

export type { FaultRule, RequestLogEntry, Simulator, SimulatorOptions } from './types';
export type { BucketTally } from './rate-limit';
export type { ExtraCollection } from './extra-collections';
export type { ResourceKind, SimulatorStore, StoreItem } from './store';
export type { JanitorAnnotation, ParsedScenario, Scenario } from './scenario';
export { ScenarioError, loadScenario, parseScenario } from './scenario';
export { ERROR_CODES, type AtlasErrorBody, type ErrorCode } from './errors';
export { DIGEST_REALM } from './auth-digest';

/** Start a simulator on 127.0.0.1 with the given scenario; resolves once it listens. */
export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  return startServer(opts);
}
