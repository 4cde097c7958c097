import type { Provider } from '../../lib/atlas';
import type { KindName, Observation } from '../../lib/kinds';

const PROJECT = 'a'.repeat(24);

/** Observation builders for classification tests: the fields a read of each kind would give. */
export const observe = {
  endpoint(provider: Provider, state: string, extra: Partial<Observation> & { fields?: Record<string, unknown> } = {}): Observation {
    const id = provider === 'AWS' ? 'vpce-0123456789abcdef0' : provider === 'AZURE' ? '/subscriptions/0b2c0f3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1' : 'atlas-psc-1';
    const stateField = provider === 'AWS' ? { connectionStatus: state } : { status: state };
    return {
      ref: { projectId: PROJECT, kind: 'privateEndpoint', provider, ids: { endpointServiceId: 'b'.repeat(24), endpointId: id } },
      id,
      found: true,
      state,
      fields: { cloudProvider: provider, ...stateField, deleteRequested: false },
      parent: { id: 'b'.repeat(24), status: 'AVAILABLE' },
      ...extra,
    };
  },
  service(provider: Provider, status: string): Observation {
    return simple('privateEndpointService', provider, { endpointServiceId: 'c'.repeat(24) }, status, { cloudProvider: provider, status });
  },
  awsPeer(statusName: string, errorStateName: string | null = null): Observation {
    return simple('networkPeering', 'AWS', { peerId: 'd'.repeat(24) }, statusName, { providerName: 'AWS', statusName, errorStateName });
  },
  peer(provider: 'AZURE' | 'GCP', status: string): Observation {
    return simple('networkPeering', provider, { peerId: 'e'.repeat(24) }, status, { providerName: provider, status });
  },
  streams(state: string): Observation {
    return simple('streamsPrivateLink', 'AWS', { connectionId: 'f'.repeat(24) }, state, { _id: 'f'.repeat(24), provider: 'AWS', state });
  },
};

function simple(kind: KindName, provider: Provider, ids: Record<string, string>, state: string, fields: Record<string, unknown>): Observation {
  return { ref: { projectId: PROJECT, kind, provider, ids }, id: Object.values(ids)[0]!, found: true, state, fields };
}
