import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { nodeHttp } from '../../lib/atlas/http';
import { redactUrl } from '../../tools/cli/local-deps';

describe('a password in a URL never goes out or gets shown', () => {
  it('nodeHttp refuses a URL with userinfo before any request (Node would send it as Basic auth)', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const init = { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) };
      await expect(nodeHttp(`http://janitor:hunter2@127.0.0.1:${port}/`, init)).rejects.toThrow(/refusing a URL with user:password@/);
      await expect(nodeHttp(`http://127.0.0.1:${port}/`, init)).resolves.toMatchObject({ status: 200 });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('redactUrl removes userinfo from every URL anywhere in a message, and nothing else', () => {
    const message = 'GET https://janitor:hunter2@cloud.mongodb.com/api/atlas/v2/orgs failed; retried at http://hunter2@127.0.0.1:8089/x (mail ops@example.com)';
    expect(redactUrl(message)).toBe('GET https://cloud.mongodb.com/api/atlas/v2/orgs failed; retried at http://127.0.0.1:8089/x (mail ops@example.com)');
    expect(redactUrl('see http://127.0.0.1:9/a@b')).toBe('see http://127.0.0.1:9/a@b');
  });
});
