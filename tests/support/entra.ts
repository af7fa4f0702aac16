import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { UNIVERSITY_CONTACTS_ENV } from './app';

export const TEST_CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const TEST_TENANT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
export const OTHER_TENANT = 'ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee';

export interface LocalEntra {
  jwksUrl: string;
  /** Signs an access token as Entra would for the tab, with any claim overridden. */
  sign(claims: JWTPayload, opts?: { expiresInSeconds?: number; useForeignKey?: boolean; kid?: string }): Promise<string>;
  /** How many times the key set was asked for. */
  keyRequests(): number;
  /** From now on the key set answers with this status and an HTML error page, as a failing gateway does (null: the keys again). */
  failKeysWith(status: number | null): void;
  close(): Promise<void>;
}

/**
 * A stand-in for Entra's key discovery endpoint: serves a JWKS like
 * https://login.microsoftonline.com/common/discovery/v2.0/keys and signs real RS256 tokens with its key.
 */
export async function startLocalEntra(): Promise<LocalEntra> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', use: 'sig', alg: 'RS256' };
  let keyRequests = 0;
  let failing: number | null = null;
  const server: Server = createServer((req, res) => {
    if (req.url === '/common/discovery/v2.0/keys') {
      keyRequests += 1;
      if (failing !== null) {
        res.writeHead(failing, { 'content-type': 'text/html' });
        res.end('<html><body>Service Unavailable</body></html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/common/discovery/v2.0/keys`,
    async sign(claims, opts = {}) {
      const nowSeconds = Math.floor(Date.now() / 1000);
      const key: KeyLike = opts.useForeignKey ? foreign.privateKey : privateKey;
      return new SignJWT({
        aud: TEST_CLIENT_ID,
        iss: `https://login.microsoftonline.com/${TEST_TENANT}/v2.0`,
        tid: TEST_TENANT,
        scp: 'access_as_user',
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'test-key-1', typ: 'JWT' })
        .setIssuedAt(nowSeconds - 60)
        .setNotBefore(nowSeconds - 60)
        .setExpirationTime(nowSeconds + (opts.expiresInSeconds ?? 3600))
        .sign(key);
    },
    keyRequests: () => keyRequests,
    failKeysWith(status) {
      failing = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Environment for a production-mode app that accepts tokens from the local Entra stand-in. */
export function ssoEnv(entra: LocalEntra): Record<string, string> {
  return {
    ...UNIVERSITY_CONTACTS_ENV,
    APP_MODE: 'production',
    MICROSOFT_APP_ID: TEST_CLIENT_ID,
    MICROSOFT_APP_TENANT_ID: TEST_TENANT,
    MICROSOFT_APP_PASSWORD: 'test-secret',
    PUBLIC_URL: 'https://engagement.example.ac.uk',
    PRIVACY_NOTICE_URL: 'https://engagement.example.ac.uk/privacy',
    ENTRA_ALLOWED_TENANTS: TEST_TENANT,
    ENTRA_JWKS_URL: entra.jwksUrl,
  };
}
