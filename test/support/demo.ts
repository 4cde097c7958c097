import { readFileSync } from 'node:fs';
import { AtlasClient, type AtlasClientOptions, type AtlasCredentials } from '../../lib/atlas';
import type { Simulator } from '../../tools/simulator';
import { DEMO_SCENARIO_PATH } from './sim-http';

type Json = Record<string, any>;
const demo: Json = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8'));
const projects: Json[] = demo.orgs.flatMap((o: Json) => o.projects);
const project = (name: string) => projects.find((p) => p.name === name)!;

const payments = project('payments-prod');
const awsService = payments.endpointServices.find((s: Json) => s.cloudProvider === 'AWS');

/** Facts about the demo scenario that tests address directly. */
export const DEMO = {
  apiKey: demo.apiKeys[0] as { publicKey: string; privateKey: string },
  serviceAccount: demo.serviceAccounts[0] as { clientId: string; clientSecret: string },
  serviceAccountCredentials: { type: 'serviceAccount', ...demo.serviceAccounts[0] } as AtlasCredentials & { type: 'serviceAccount' },
  apiKeyCredentials: { type: 'apiKey', publicKey: demo.apiKeys[0].publicKey, privateKey: demo.apiKeys[0].privateKey } as AtlasCredentials,
  projects,
  payments: {
    id: payments.id as string,
    serviceId: awsService.id as string,
    failedPeerId: payments.peers.find((p: Json) => p.statusName === 'FAILED').id as string,
  },
  streamsLab: { id: project('streams-lab').id as string },
  project,
};

export function demoClient(sim: Simulator, options: Partial<AtlasClientOptions> = {}): AtlasClient {
  return new AtlasClient({ baseUrl: sim.url, credentials: DEMO.apiKeyCredentials, ...options });
}
