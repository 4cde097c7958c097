import { describe, expect, it } from 'vitest';
import { outputWidth, shorten, table } from '../../tools/cli/table';

const AZURE = '/subscriptions/39df246c-e573-d698-a881-411b74a09641/resourceGroups/rg-datalake/providers/Microsoft.Network/privateEndpoints/pe-datalake-etl';
const rows = [
  ['f51143b831da2255b27a932b', 'privateEndpoint', AZURE, 'deleted', 12345],
  ['406ff261a3beb006b009990c', 'privateEndpoint', 'vpce-0488d15070de23e36', 'alreadyGone', 7],
];
const headers = ['project', 'kind', 'id', 'outcome', 'ms'];
const width = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('CLI tables', () => {
  it('are never wider than the width given, the long id giving way first, shortened in the middle', () => {
    const out = table(headers, rows, 100);
    expect(width(out)).toBeLessThanOrEqual(100);
    const azureRow = out.split('\n')[2]!;
    expect(azureRow).toContain('f51143b831da2255b27a932b');
    expect(azureRow).toMatch(/\/subscriptions\/\S*…\S*pe-datalake-etl/);
    expect(out.split('\n')[3]).toContain('vpce-0488d15070de23e36');
  });

  it('keep numbers whole and every cell whole when there is room or no limit (piped output)', () => {
    for (const out of [table(headers, rows, undefined), table(headers, rows, 1000)]) {
      expect(out).toContain(AZURE);
      expect(out).toMatch(/ 12345$/m);
    }
    expect(table(headers, rows, 40)).toMatch(/ 12345$/m);
  });

  it('go down to a few characters per text column in a very narrow terminal, keeping both ends of each id', () => {
    const out = table(headers, rows, 60);
    expect(width(out)).toBeLessThanOrEqual(60);
    expect(out).toMatch(/406ff2\S*…\S*9990c/);
  });

  it('shorten a cell to exactly the width, keeping its start and its end', () => {
    expect(shorten('vpce-0488d15070de23e36', 11)).toBe('vpce-…23e36');
    expect([...shorten(AZURE, 30)]).toHaveLength(30);
    expect(shorten('short', 30)).toBe('short');
  });

  it('take the terminal\'s width, COLUMNS when not on a terminal, and no limit otherwise', () => {
    expect(outputWidth({ isTTY: true, columns: 90 }, { COLUMNS: '200' })).toBe(90);
    expect(outputWidth({ isTTY: false }, { COLUMNS: '132' })).toBe(132);
    expect(outputWidth({ isTTY: false }, {})).toBeUndefined();
    expect(outputWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBeUndefined();
  });
});
