import {
  ClientCertificateCredential,
  ClientSecretCredential,
  type ClientSecretCredentialOptions,
  type TokenCredential,
} from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { Agent } from 'undici';
import type { GraphConfig } from '../config';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const GRAPH_VERSION = 'v1.0';

export interface GraphConnectionOptions {
  /**
   * Extra trusted CA certificates (PEM) for Graph and the authority: a private CA in front of Graph,
   * or the self-signed stand-in the tests run. Production normally leaves this unset.
   */
  trustedCa?: string;
}

export type GraphSettings = Pick<
  GraphConfig,
  'tenantId' | 'clientId' | 'credential' | 'baseUrl' | 'authorityHost' | 'requestTimeoutSeconds'
>;

/** The app-only credential: a client secret or a certificate, signed in at the configured authority. */
export function createGraphCredential(settings: GraphSettings, options: GraphConnectionOptions = {}): TokenCredential {
  const common = {
    authorityHost: settings.authorityHost,
    // The authority comes from our own configuration, not from a caller, so the discovery round trip
    // that validates it adds nothing; disabling it also lets sovereign or test authorities work.
    disableInstanceDiscovery: true,
    additionalPolicies: [
      { position: 'perCall' as const, policy: tokenTimeoutPolicy(settings.requestTimeoutSeconds) },
      ...(options.trustedCa ? [{ position: 'perCall' as const, policy: trustCaPolicy(options.trustedCa) }] : []),
    ],
  };
  return settings.credential.kind === 'certificate'
    ? new ClientCertificateCredential(settings.tenantId, settings.clientId, { certificatePath: settings.credential.path }, common)
    : new ClientSecretCredential(settings.tenantId, settings.clientId, settings.credential.secret, common);
}

type PipelinePolicy = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number]['policy'];

// @azure/identity sends token requests through @azure/core-rest-pipeline, whose Node client builds
// its TLS agent from request.tlsSettings.
function trustCaPolicy(ca: string): PipelinePolicy {
  return {
    name: 'engagementTrustedCa',
    sendRequest: (request, next) => {
      request.tlsSettings = { ...request.tlsSettings, ca };
      return next(request);
    },
  };
}

/**
 * A token request that is never answered would otherwise wait forever (Node's client sets no limit).
 * The limit is a little longer than a Graph request's own, so that a Graph call waiting on sign-in
 * ends by its own deadline first (and is retried) while the abandoned token request is still closed.
 */
function tokenTimeoutPolicy(requestTimeoutSeconds: number): PipelinePolicy {
  return {
    name: 'engagementTokenTimeout',
    sendRequest: (request, next) => {
      request.timeout = requestTimeoutSeconds * 1000 + 1000;
      return next(request);
    },
  };
}

/** The requests (by their abort signal) that got past sign-in: a deadline that fires before this was spent signing in. */
const pastSignIn = new WeakSet<object>();
export const signedIn = (signal: AbortSignal): boolean => pastSignIn.has(signal);

/**
 * Sits between sign-in and fetch. It notes that the request got past sign-in; and since fetch reports
 * a refused or reset connection as "fetch failed" with the reason in `cause`, which the SDK drops when
 * it wraps the error, it puts the reason in the message so the run's failure names it.
 */
class TransportReason implements Middleware {
  private next?: Middleware;
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const signal = context.options?.signal;
    if (signal) pastSignIn.add(signal);
    try {
      await this.next?.execute(context);
    } catch (error) {
      // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` can be false (as under jest).
      const e = error as { message?: unknown; cause?: { message?: unknown; code?: unknown } } | null;
      const reason = e?.cause?.message ?? e?.cause?.code;
      if (e && typeof e.message === 'string' && typeof reason === 'string' && !e.message.includes(reason))
        e.message = `${e.message} (${reason})`;
      throw error;
    }
  }
}

/**
 * The Graph client: the SDK's middleware chain minus its RetryHandler, because throttling is retried
 * in one place (graph-requests.ts) for whole requests and for the items of a $batch alike, with
 * bounded attempts and jitter, so attempts never multiply across two retry layers.
 */
export function createGraphClient(settings: GraphSettings, options: GraphConnectionOptions = {}): Client {
  const credential = createGraphCredential(settings, options);
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
  const host = new URL(settings.baseUrl).hostname;
  return Client.initWithMiddleware({
    middleware: [
      new AuthenticationHandler(authProvider),
      new RedirectHandler(),
      new TelemetryHandler(),
      new TransportReason(),
      new HTTPMessageHandler(),
    ],
    baseUrl: settings.baseUrl,
    defaultVersion: GRAPH_VERSION,
    // The SDK only attaches the token to Graph's own hosts unless told about others.
    customHosts: new Set([host]),
    ...(options.trustedCa ? { fetchOptions: { dispatcher: new Agent({ connect: { ca: options.trustedCa } }) } as RequestInit } : {}),
  });
}
