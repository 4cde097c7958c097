import { networkPeering } from './network-peering';
import { privateEndpoint } from './private-endpoint';
import { privateEndpointService } from './private-endpoint-service';
import { streamsPrivateLink } from './streams-private-link';
import type { KindName, ResourceKind } from './types';

/** Every resource kind the janitor knows. Adding a kind: one module and one line here. */
export const KINDS: Readonly<Record<KindName, ResourceKind>> = {
  privateEndpoint,
  privateEndpointService,
  networkPeering,
  streamsPrivateLink,
};

export function kindOf(name: KindName): ResourceKind {
  return KINDS[name];
}
