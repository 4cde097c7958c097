import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

/** Why the interop tests cannot run where apacheAvailable() is false. */
export const APACHE_MISSING = `no ${APACHE} with ${MODULES}/mod_auth_digest.so (Debian's apache2; .ci/run installs it)`;

/** Debian's apache2 is installed by .ci/run; on a machine without it these tests cannot run. */
export function apacheAvailable(): boolean {
  return existsSync(APACHE) && existsSync(join(MODULES, 'mod_auth_digest.so'));
}

export interface ApacheDigestServer {
  url: string;
  /** Status codes Apache logged, in order. */
  statuses(): number[];
  stop(): void;
}

/**
 * A real HTTP Digest server: Apache's mod_auth_digest guarding static files laid out like Atlas routes.
 * The client must work against a server it was not written with, not only against our simulator.
 */
export async function startApacheDigest(options: {
  realm: string;
  users: Record<string, string>;
  files: Record<string, unknown>;
}): Promise<ApacheDigestServer> {
  const root = mkdtempSync(join(tmpdir(), 'janitor-apache-'));
  const port = await freePort();
  for (const [path, body] of Object.entries(options.files)) {
    const file = join(root, 'docs', path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(body));
  }
  const ha1 = (user: string, password: string) => createHash('md5').update(`${user}:${options.realm}:${password}`).digest('hex');
  writeFileSync(join(root, 'htdigest'), Object.entries(options.users).map(([u, p]) => `${u}:${options.realm}:${ha1(u, p)}\n`).join(''));
  writeFileSync(
    join(root, 'httpd.conf'),
    [
      `ServerRoot ${root}`,
      'ServerName localhost',
      `Listen 127.0.0.1:${port}`,
      ...['mpm_event', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_digest'].map(
        (m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`,
      ),
      `PidFile ${root}/httpd.pid`,
      `ErrorLog ${root}/error.log`,
      'LogFormat "%>s" status',
      `CustomLog ${root}/access.log status`,
      ...(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : []),
      `DocumentRoot ${root}/docs`,
      `<Directory ${root}/docs>`,
      '  AuthType Digest',
      `  AuthName "${options.realm}"`,
      '  AuthDigestProvider file',
      `  AuthUserFile ${root}/htdigest`,
      '  Require valid-user',
      '</Directory>',
    ].join('\n'),
  );
  chmodSync(root, 0o755);
  execFileSync('chmod', ['-R', 'a+rX', root]);
  const started = spawnSync(APACHE, ['-f', join(root, 'httpd.conf'), '-k', 'start'], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`apache2 did not start: ${started.stderr}`);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilListening(url);
  // Apache writes the probe's line to the log after answering it: wait for it, so a test that counts the
  // lines logged from now on does not count the probe's.
  for (let i = 0; i < 100 && !(existsSync(join(root, 'access.log')) && readFileSync(join(root, 'access.log'), 'utf8').trim() !== ''); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    statuses: () =>
      existsSync(join(root, 'access.log'))
        ? readFileSync(join(root, 'access.log'), 'utf8').trim().split('\n').filter(Boolean).map(Number)
        : [],
    stop: () => {
      spawnSync(APACHE, ['-f', join(root, 'httpd.conf'), '-k', 'stop']);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilListening(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url, { method: 'HEAD' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`apache2 is not answering on ${url}`);
}
