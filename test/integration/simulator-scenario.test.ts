import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, loadScenario, parseScenario, ScenarioError, startSimulator, type Scenario } from '../../tools/simulator';
import { SCENARIO_SCHEMA_PATH, scenarioJsonSchema } from '../../tools/simulator/scenario-json-schema';
import { DEMO_SCENARIO_PATH, demo } from '../support/sim-http';

const ORG = '0123456789abcdef01234567';
const PROJECT = '1123456789abcdef01234567';
const SERVICE = '2123456789abcdef01234567';

/** A minimal valid scenario; each test breaks one thing. */
function minimal(): any {
  return {
    apiKeys: [{ publicKey: 'abcdefgh', privateKey: 'secret', orgIds: [ORG] }],
    orgs: [
      {
        id: ORG,
        name: 'Org',
        projects: [
          {
            id: PROJECT,
            name: 'p1',
            created: '2024-03-01T10:00:00Z',
            clusterCount: 0,
            endpointServices: [
              {
                cloudProvider: 'AWS',
                id: SERVICE,
                regionName: 'us-east-1',
                status: 'AVAILABLE',
                interfaceEndpoints: ['vpce-0123456789abcdef0'],
                endpoints: [{ cloudProvider: 'AWS', interfaceEndpointId: 'vpce-0123456789abcdef0', connectionStatus: 'AVAILABLE' }],
              },
            ],
            peers: [],
          },
        ],
      },
    ],
  };
}

function issuesOf(raw: unknown): string[] {
  try {
    parseScenario(raw);
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
  return [];
}

describe('scenario validation', () => {
  it('accepts the minimal scenario', () => {
    expect(issuesOf(minimal())).toEqual([]);
  });

  it('names the field path of a malformed id', () => {
    const s = minimal();
    s.orgs[0].projects[0].peers.push({ providerName: 'GCP', id: 'xyz', containerId: ORG, gcpProjectId: 'acme-1', networkName: 'net', status: 'AVAILABLE' });
    expect(issuesOf(s)).toEqual(['orgs[0].projects[0].peers[0].id: must be 24 hex']);
  });

  it('names bad enum values and wrong id formats inside endpoint services', () => {
    const s = minimal();
    const svc = s.orgs[0].projects[0].endpointServices[0];
    svc.status = 'BROKEN';
    svc.interfaceEndpoints.push('vpce-NOPE');
    const issues = issuesOf(s);
    expect(issues).toContain('orgs[0].projects[0].endpointServices[0].interfaceEndpoints[1]: must be vpce- followed by 17 lowercase hex');
    expect(issues.some((i) => i.startsWith('orgs[0].projects[0].endpointServices[0].status:'))).toBe(true);
  });

  it('refuses an endpoint object its service does not list', () => {
    const s = minimal();
    s.orgs[0].projects[0].endpointServices[0].interfaceEndpoints = [];
    expect(issuesOf(s)).toEqual([
      'orgs[0].projects[0].endpointServices[0].endpoints[0]: endpoint vpce-0123456789abcdef0 is not listed in orgs[0].projects[0].endpointServices[0].interfaceEndpoints',
    ]);
  });

  it('refuses duplicate ids, unknown org references and orphan annotations on non-orphans', () => {
    const s = minimal();
    s.orgs[0].projects.push({ ...s.orgs[0].projects[0], name: 'p2', endpointServices: [] });
    s.apiKeys[0].orgIds.push('ffffffffffffffffffffffff');
    s.orgs[0].projects[0].endpointServices[0]._janitorOrphans = { 'vpce-0123456789abcdef0': { expect: 'delete' } };
    expect(issuesOf(s)).toEqual([
      'apiKeys[0].orgIds[1]: unknown org ffffffffffffffffffffffff',
      'orgs[0].projects[0].endpointServices[0]._janitorOrphans.vpce-0123456789abcdef0: not an orphan id of this service (listed, without an endpoint object)',
      `orgs[0].projects[1].id: duplicate project id ${PROJECT} (first at orgs[0].projects[0].id)`,
    ]);
  });

  it('reports an unreadable file and rejects startSimulator with a ScenarioError', async () => {
    await expect(loadScenario('/nonexistent/scenario.json')).rejects.toThrow(/invalid scenario \/nonexistent\/scenario.json/);
    const bad = minimal();
    bad.orgs[0].id = 'ORG';
    await expect(startSimulator({ scenario: bad as Scenario })).rejects.toBeInstanceOf(ScenarioError);
  });
});

describe('the demo scenario', () => {
  it('validates against the shipped scenario.schema.json, which matches the zod loader', async () => {
    const schema = JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8'));
    expect(schema).toEqual(scenarioJsonSchema());
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(demo), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(minimal())).toBe(true);
    const broken = minimal();
    broken.orgs[0].projects[0].peers.push({ providerName: 'AWS', id: 'nope' });
    expect(validate(broken)).toBe(false);
    await expect(loadScenario(DEMO_SCENARIO_PATH)).resolves.toBeDefined();
  });

  it('annotates every resource, and has the expect=delete mix the janitor must handle', async () => {
    const sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH });
    try {
      const items = sim.store.inventory();
      expect(items.filter((i) => !i.janitor).map((i) => `${i.kind} ${i.id}`)).toEqual([]);
      const toDelete = items.filter((i) => i.janitor?.expect === 'delete').map((i) => `${i.kind}/${i.provider}/${i.orphan ? 'orphan' : i.state}`);
      expect(new Set(toDelete)).toEqual(
        new Set([
          'privateEndpoint/AWS/REJECTED',
          'privateEndpoint/AWS/orphan',
          'privateEndpoint/AZURE/FAILED',
          'privateEndpoint/GCP/FAILED',
          'endpointService/AWS/FAILED',
          'privateEndpoint/AWS/AVAILABLE', // under a FAILED service
          'privateEndpoint/AWS/PENDING', // under a FAILED service
          'endpointService/GCP/FAILED',
          'privateEndpoint/GCP/AVAILABLE', // under a FAILED service
          'peer/AWS/FAILED',
          'peer/AZURE/FAILED',
          'peer/GCP/FAILED',
          'streamsPrivateLink/AWS/FAILED',
          'streamsPrivateLink/GCP/FAILED',
        ]),
      );
      const peerErrors = items.filter((i) => i.kind === 'peer' && i.provider === 'AWS' && i.janitor?.expect === 'delete').map((i) => i.served?.errorStateName);
      expect(peerErrors.sort()).toEqual(['EXPIRED', 'REJECTED']);
      const keptStates = new Set(items.filter((i) => i.janitor?.expect === 'keep').map((i) => i.state));
      for (const s of ['AVAILABLE', 'PENDING_ACCEPTANCE', 'PENDING', 'INITIATING', 'WAITING_FOR_USER', 'ADDING_PEER', 'DELETING', 'TERMINATING', 'DONE', 'DELETE_REQUESTED']) {
        expect(keptStates, s).toContain(s);
      }
    } finally {
      await sim.stop();
    }
  });
});

describe('documentation', () => {
  it('lists every error code in the README table', () => {
    const readme = readFileSync(resolve(__dirname, '../../tools/simulator/README.md'), 'utf8');
    expect(Object.keys(ERROR_CODES).filter((code) => !readme.includes(`\`${code}\``))).toEqual([]);
  });
});
