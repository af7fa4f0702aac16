import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config';
import { AppError, forbidden, unauthenticated } from '../errors';

export interface TeamsIdentity {
  /** Entra object id: how a staff member is found. */
  oid: string;
  tid: string;
  name: string | null;
}

export type TeamsTokenValidator = (token: string) => Promise<TeamsIdentity>;

const V1_ISSUER = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/;
const V2_ISSUER = /^https:\/\/login\.microsoftonline\.com\/([0-9a-f-]{36})\/v2\.0$/;

/** v2 tokens carry the bare client id; v1 tokens the configured Application ID URI, exactly (never any api://<host>/<client id>). */
function isOurAudience(aud: JWTPayload['aud'], entra: Config['entra']): boolean {
  const audiences = Array.isArray(aud) ? aud : aud ? [aud] : [];
  return audiences.some((a) => a === entra.clientId || (entra.appIdUri !== '' && a === entra.appIdUri));
}

/** The reason is for the log (it rides on `cause`); the person signing in is told only what they can act on. */
const invalidToken = (why: string) =>
  new AppError(401, 'invalid_token', 'Your Teams sign-in could not be accepted. Please reopen the app in Teams.', undefined, why);

/** While Entra's key set cannot be fetched, it is asked again at most this often, however many tokens arrive. */
export const KEY_SET_RETRY_MS = 5000;

/** The key set could not be fetched: Entra unreachable, too slow, or answering something that is not a key set. */
class KeySetUnavailable extends Error {}

/** Errors of the key set held locally: a verdict on the token, not on Entra. */
const isKeyVerdict = (error: unknown) =>
  error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;

/**
 * jose's remote key set fetches again for every token while a fetch fails (it remembers only
 * successes), and words an HTTP error from Entra like a bad token. So a failed fetch is remembered
 * for KEY_SET_RETRY_MS: meanwhile tokens are checked against the keys already held, or, with none,
 * refused as "Entra unreachable" without asking it, and a scanner's stream of tokens never becomes
 * a stream of requests to Entra.
 */
function keysWithRetryPause(url: URL): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 });
  let pausedUntil = -Infinity;
  let heldKeys: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    if (Date.now() < pausedUntil) {
      if (!heldKeys) throw new KeySetUnavailable('the key set could not be fetched a moment ago');
      return heldKeys(header, token);
    }
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeyVerdict(error)) throw error;
      pausedUntil = Date.now() + KEY_SET_RETRY_MS;
      const held = remote.jwks();
      heldKeys = held ? createLocalJWKSet(held) : undefined;
      throw new KeySetUnavailable('the key set could not be fetched', { cause: error });
    }
  };
}

/**
 * Validates a Teams SSO access token: RS256 signature through the configured JWKS, expiry, audience
 * (the client id or the configured Application ID URI), the v1 or v2 issuer of the token's own tenant, an allowed tenant
 * and the access_as_user scope. The key set is fetched lazily and cached by jose; a failed fetch pauses fetching (above).
 */
export function createTeamsTokenValidator(entra: Config['entra']): TeamsTokenValidator {
  const jwks = keysWithRetryPause(new URL(entra.jwksUrl));
  const allowed = new Set(entra.allowedTenants);
  return async (token) => {
    if (!entra.clientId) throw unauthenticated('Sign-in through Teams is not configured on this server (ENTRA_CLIENT_ID is empty).');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        clockTolerance: 60,
        requiredClaims: ['exp', 'iss', 'aud', 'tid', 'oid'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new AppError(401, 'token_expired', 'Your Teams sign-in has expired. Please reopen the app in Teams.');
      // Anything but a JOSE verdict on the token itself means the key set could not be fetched.
      if (error instanceof KeySetUnavailable || !(error instanceof errors.JOSEError))
        throw new AppError(
          503,
          'sign_in_unavailable',
          'Sign-in could not be checked just now because Microsoft Entra was unreachable. Please try again shortly.',
          undefined,
          error,
        );
      throw invalidToken(
        error instanceof errors.JWTClaimValidationFailed
          ? `claim ${error.claim} is missing or wrong`
          : 'it is not a token signed by Microsoft Entra',
      );
    }
    if (!isOurAudience(payload.aud, entra)) throw invalidToken('it was issued for another application');
    const tid = String(payload.tid).toLowerCase();
    const issuerTenant = V1_ISSUER.exec(payload.iss ?? '')?.[1] ?? V2_ISSUER.exec(payload.iss ?? '')?.[1];
    if (issuerTenant?.toLowerCase() !== tid) throw invalidToken('its issuer is not Microsoft Entra for its tenant');
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes('access_as_user')) throw invalidToken('it does not grant access_as_user');
    if (!allowed.has(tid))
      throw forbidden('Your organisation is not set up to use Engagement Monitor. Please contact your department administrator.');
    return { oid: String(payload.oid).toLowerCase(), tid, name: typeof payload.name === 'string' ? payload.name : null };
  };
}
