import { describe, expect, it } from 'vitest';
import { digestAuthorization, digestResponse, parseDigestChallenge, type DigestChallenge } from '../../lib/atlas/digest';

// RFC 7616 §3.9.1: the same request answered with MD5 and SHA-256.
const rfc7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nc: 1,
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};
const rfc7616Header = (algorithm: string) =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

describe('digest', () => {
  it('computes the RFC 7616 MD5 example response', () => {
    const challenge = parseDigestChallenge(rfc7616Header('MD5'))!;
    expect(digestResponse({ ...rfc7616, challenge })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('computes the RFC 7616 SHA-256 example response', () => {
    const challenge = parseDigestChallenge(rfc7616Header('SHA-256'))!;
    expect(digestResponse({ ...rfc7616, challenge })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('computes the RFC 2617 §3.5 example response', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    const response = digestResponse({ username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', challenge, nc: 1, cnonce: '0a4f113b' });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('parses the challenge Atlas and Apache send, stale flag included', () => {
    const challenge = parseDigestChallenge('Digest realm="MMS Public API", domain="", nonce="abc/def+1=", algorithm=MD5, qop="auth", stale=true');
    expect(challenge).toEqual<DigestChallenge>({
      realm: 'MMS Public API',
      nonce: 'abc/def+1=',
      qop: ['auth'],
      algorithm: 'MD5',
      stale: true,
      userhash: false,
    });
  });

  it('finds the Digest challenge among several schemes and unescapes quoted strings', () => {
    const challenge = parseDigestChallenge('Basic realm="x", Digest realm="a \\"quoted\\" realm", nonce="n1", qop="auth"');
    expect(challenge?.realm).toBe('a "quoted" realm');
    expect(challenge?.nonce).toBe('n1');
  });

  it('refuses challenges it cannot answer', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="x"')).toBeNull(); // no nonce
    expect(parseDigestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256')).toBeNull();
    expect(parseDigestChallenge(null)).toBeNull();
  });

  it('builds an Authorization header with qop, nonce count and opaque', () => {
    const challenge = parseDigestChallenge(rfc7616Header('MD5'))!;
    const header = digestAuthorization({ ...rfc7616, nc: 26, challenge });
    expect(header).toMatch(/^Digest /);
    expect(header).toContain('username="Mufasa"');
    expect(header).toContain('uri="/dir/index.html"');
    expect(header).toContain('nc=0000001a');
    expect(header).toContain('qop=auth');
    expect(header).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
    expect(header).not.toContain('Circle of Life');
  });

  it('uses the RFC 2069 form when the server offers no qop', () => {
    const challenge = parseDigestChallenge('Digest realm="r", nonce="n"')!;
    const header = digestAuthorization({ ...rfc7616, challenge });
    expect(header).not.toContain('qop=');
    expect(header).not.toContain('nc=');
  });
});
