import * as z from 'zod';

/**
 * Where Atlas (or the simulator) answers: an http(s) URL without `user:password@`. Node turns userinfo
 * into an `Authorization: Basic` header, so a password in a base URL would go over the wire and into
 * every place the URL is shown; Atlas credentials belong in a secret. Messages never echo the value.
 */
export const baseUrlSchema = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .refine((url) => {
    // zod runs this even when the URL check failed; that value is reported once, by the check above.
    if (!URL.canParse(url)) return true;
    const { username, password } = new URL(url);
    return username === '' && password === '';
  }, 'must not contain user:password@ (credentials go in the secret)')
  .refine((url) => {
    if (!URL.canParse(url)) return true;
    const { pathname, search, hash } = new URL(url);
    // The client appends /api/atlas/...: a path would send every request somewhere else, and Atlas's
    // answer (a 401 or a 404 from another route) would read as refused credentials.
    return (pathname === '/' || pathname === '') && search === '' && hash === '';
  }, 'must be only a scheme and host (and port), such as https://cloud.mongodb.com: no path, query or fragment');
