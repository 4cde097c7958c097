import { describe, expect, it } from 'vitest';
import { AtlasRequestError } from '../../lib/atlas';
import { checkEndpointId, isEndpointId } from '../../lib/atlas/ids';

const SUB = '/subscriptions/0f3e5c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
const azure = (group: string, name: string) => `${SUB}/resourceGroups/${group}/providers/Microsoft.Network/privateEndpoints/${name}`;

describe('Azure endpoint ids', () => {
  it('accepts resource group and endpoint names with dots, parentheses, hyphens and underscores', () => {
    for (const id of [azure('rg-prod', 'pe.atlas'), azure('rg.(eu)_1', 'pe-1'), azure('..rg', 'pe..'), azure('.rg', '.pe')]) {
      expect({ id, ok: isEndpointId('AZURE', id) }).toEqual({ id, ok: true });
    }
  });

  it.each([
    ['a .. resource group', azure('..', 'pe-1')],
    ['a . resource group', azure('.', 'pe-1')],
    ['a .. endpoint name', azure('rg-prod', '..')],
    ['a . endpoint name', azure('rg-prod', '.')],
  ])('rejects %s, naming the field', (_what, id) => {
    expect(isEndpointId('AZURE', id)).toBe(false);
    expect(() => checkEndpointId('endpointId', 'AZURE', id)).toThrow(AtlasRequestError);
    expect(() => checkEndpointId('endpointId', 'AZURE', id)).toThrow(/^endpointId: must be an Azure private endpoint resource id/);
  });
});
