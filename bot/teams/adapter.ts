import {
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  MessageFactory,
  type ConversationReference,
} from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorFactory,
} from 'botframework-connector';
import {
  ActivityEventNames,
  ActivityTypes,
  CallerIdConstants,
  StatusCodes,
  type Activity,
  type BotAdapter,
  type TurnContext,
} from 'botbuilder';
import { handleError } from '../errors';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { AdaptiveCard } from './cards';
import type { SendPacer } from './shared-pace';

/** The part of the connector client's HTTP pipeline (@azure/core-rest-pipeline) we adjust. */
type Pipeline = {
  removePolicy(policy: { name: string }): unknown;
  addPolicy(policy: {
    name: string;
    sendRequest<R extends { url: string }, T>(request: R, next: (request: R) => Promise<T>): Promise<T>;
  }): void;
};

/** While the channel's key set cannot be fetched, it is asked again at most this often, however many tokens arrive. */
export const KEY_FETCH_PAUSE_MS = 5000;

/** The `kid` of a bearer token's header, without verifying anything; null when there is none to read. */
function keyIdOf(authHeader: string): string | null {
  const header = /^Bearer\s+([A-Za-z0-9_-]+)\./i.exec(authHeader ?? '')?.[1];
  if (!header) return null;
  try {
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown }).kid;
    return typeof kid === 'string' && kid.length <= 200 ? kid : null;
  } catch {
    return null;
  }
}

/** Checking a token takes milliseconds once the keys are held; longer means the channel's key set is not answering. */
export const AUTHENTICATION_TIMEOUT_MS = 10_000;

class KeyFetchTimeout extends Error {
  constructor() {
    super(`the Bot Framework token could not be checked within ${AUTHENTICATION_TIMEOUT_MS} ms (its key set did not answer)`);
  }
}

/** The SDK's fetch of the OpenID configuration or keys failed (its 500 AuthenticationError, node-fetch's error, or no answer), as opposed to a verdict on the token. */
const isKeyFetchFailure = (error: unknown): boolean =>
  error instanceof KeyFetchTimeout ||
  (error instanceof AuthenticationError ? error.statusCode >= 500 : (error as { name?: unknown } | null)?.name === 'FetchError');

function refused(error: unknown, logger?: Logger): AuthenticationError {
  logger?.warn({ err: error }, 'Bot Connector request refused: its token could not be verified');
  // The SDK logs the error it is given; the cause keeps the reason there.
  return Object.assign(new AuthenticationError('Unauthorized.', StatusCodes.UNAUTHORIZED), { cause: error });
}

/**
 * Proactive sends go through the outbox, which owns retries (bounded, with Retry-After and jitter,
 * and never longer than its claim on the delivery). The connector SDK's own retry policy would
 * sleep for a long Retry-After while the claim runs out, so it is removed from those clients.
 */
class OutboxAwareAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    config: Record<string, string | boolean>,
    credentials: ConfigurationServiceClientCredentialFactory,
    private readonly limiter?: SendPacer,
    private readonly logger?: Logger,
  ) {
    super(config, credentials);
  }

  /** Until when a failed fetch of the channel's keys pauses fetching; see authenticateRequest. */
  private keysPausedUntil = -Infinity;
  /** Key ids of tokens that passed verification: the channel's own keys, a handful. */
  private readonly provenKeyIds = new Set<string>();
  /** The check of the last token whose key is not yet proven; the next one waits for it. */
  private unprovenTurn: Promise<unknown> = Promise.resolve();

  /**
   * A token that fails verification (a forged signature, a malformed JWT) is a 401, never a 500. The
   * adapter sends the error's message as the body, so the reason goes to the log and the caller gets one line.
   *
   * The SDK fetches the channel's OpenID configuration and keys again for every token it cannot place
   * while the last fetch failed (it remembers only successes), without a timeout, and without sharing a
   * fetch in flight. So tokens whose key id has not yet passed are checked one at a time; a check that
   * fails to fetch, or takes longer than AUTHENTICATION_TIMEOUT_MS, pauses them for KEY_FETCH_PAUSE_MS,
   * refused without asking login.botframework.com; tokens signed with a proven key are checked as usual.
   */
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const keyId = keyIdOf(authHeader);
    if (keyId && this.provenKeyIds.has(keyId)) return this.verify(activity, authHeader, keyId);
    const turn = this.unprovenTurn.then(() => {
      if (Date.now() < this.keysPausedUntil)
        throw refused(new Error('the Bot Framework key set could not be fetched a moment ago; not asked again yet'), this.logger);
      return this.verify(activity, authHeader, keyId);
    });
    this.unprovenTurn = turn.catch(() => undefined);
    return turn;
  }

  private async verify(activity: Activity, authHeader: string, keyId: string | null): Promise<AuthenticateRequestResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KeyFetchTimeout()), AUTHENTICATION_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([super.authenticateRequest(activity, authHeader), timeout]);
      if (keyId) this.provenKeyIds.add(keyId);
      return result;
    } catch (error) {
      if (isKeyFetchFailure(error)) this.keysPausedUntil = Date.now() + KEY_FETCH_PAUSE_MS;
      throw refused(error, this.logger);
    } finally {
      clearTimeout(timer);
    }
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    const inner = super.createConnectorFactory(claimsIdentity);
    const limiter = this.limiter;
    return {
      async create(serviceUrl: string, audience?: string) {
        const client = await inner.create(serviceUrl, audience);
        const pipeline = (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline;
        pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
        // Pacing at the last step before the wire, so the gaps the limiter makes are the gaps Teams sees.
        if (limiter) {
          pipeline?.addPolicy({
            name: 'teamsRateLimit',
            async sendRequest(request, next) {
              await limiter.acquire(conversationOf(request.url));
              return next(request);
            },
          });
        }
        return client;
      },
    } as ConnectorFactory;
  }
}

export const ANONYMOUS_BOT_WARNING =
  'MICROSOFT_APP_ID is not set: the bot accepts activities WITHOUT authentication (local mode, for the Agents Playground). Never expose this endpoint publicly.';

/**
 * Builds the CloudAdapter. With an app id, every inbound activity must carry a Bot Framework token
 * (tests point the OpenID metadata at a local key set); without one the bot runs anonymously, as
 * the Agents Playground expects, and says so loudly once (to the logger given; the server gives one).
 */
export function createAdapter(config: Config['bot'], logger?: Logger, limiter?: SendPacer): CloudAdapter {
  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    // With no app id the bot is anonymous (the Agents Playground); botbuilder only accepts that as MultiTenant.
    MicrosoftAppType: config.appId ? config.appType : 'MultiTenant',
    MicrosoftAppTenantId: config.tenantId,
  });
  // Overriding one endpoint makes the SDK take every endpoint from us, so the rest are the public cloud's.
  const overrides: Record<string, string | boolean> =
    config.openIdMetadataUrl || config.tokenIssuer
      ? {
          ValidateAuthority: true,
          ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
          ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
          ToBotFromChannelTokenIssuer: config.tokenIssuer ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
          OAuthUrl: AuthenticationConstants.OAuthUrl,
          ToBotFromChannelOpenIdMetadataUrl: config.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
          ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
          CallerId: CallerIdConstants.PublicAzureChannel,
        }
      : {};
  if (!config.appId) logger?.warn(ANONYMOUS_BOT_WARNING);
  return new CloudAdapter(new OutboxAwareAuthentication(overrides, credentials, limiter, logger));
}

/** A turn the adapter made itself to send proactively (continueConversationAsync), not one a person started. */
export function isProactiveTurn(context: TurnContext): boolean {
  return context.activity.type === ActivityTypes.Event && context.activity.name === ActivityEventNames.ContinueConversation;
}

const APOLOGY = 'Sorry, something went wrong on our side, so your message may not have got through. Please try again in a few minutes.';

/**
 * The adapter's turn error handler. Only a person who wrote to the bot is owed an apology, in their
 * own turn. A proactive send that fails is rethrown so the outbox sees it (and retries or
 * dead-letters the item): answering it would post an apology into a tutor's chat and make the
 * outbox believe the card went.
 */
export function installTurnErrorHandler(adapter: BotAdapter, logger: Logger): void {
  adapter.onTurnError = async (context, error) => {
    if (isProactiveTurn(context)) throw error;
    handleError(error, logger, { activityType: context.activity.type, conversation: context.activity.conversation?.id });
    await context.sendActivity(APOLOGY);
  };
}

export interface SentActivity {
  activityId: string | null;
  conversationId: string;
}

/** The conversation a Bot Connector URL writes to: /v3/conversations/{id}/activities[/{activityId}]. */
function conversationOf(url: string): string {
  const match = /\/v3\/conversations\/([^/?]+)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

/** Sends and updates proactive cards in a stored conversation. */
export interface CardSender {
  /** True when the sender paces itself against the Teams limits (the adapter's limiter). */
  paced?: boolean;
  sendCard(reference: Partial<ConversationReference>, card: AdaptiveCard): Promise<SentActivity>;
  updateCard(reference: Partial<ConversationReference>, activityId: string, card: AdaptiveCard): Promise<void>;
}

export function createCardSender(adapter: CloudAdapter, appId: string, opts: { paced?: boolean } = {}): CardSender {
  return {
    paced: opts.paced ?? false,
    async sendCard(reference, card) {
      let sent: SentActivity = { activityId: null, conversationId: reference.conversation?.id ?? '' };
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        const response = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
        sent = { activityId: response?.id ?? null, conversationId: context.activity.conversation.id };
      });
      return sent;
    },
    async updateCard(reference, activityId, card) {
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        await context.updateActivity({ ...MessageFactory.attachment(CardFactory.adaptiveCard(card)), id: activityId });
      });
    },
  };
}

/** What to do about a failed send, from the Bot Connector's answer. */
export type SendFailure =
  | { kind: 'retry'; status: number; retryAfterMs: number | null }
  | { kind: 'blocked' }
  | { kind: 'too_large' }
  | { kind: 'permanent'; status: number | null };

const RETRYABLE = new Set([412, 429, 502, 503, 504]);

/** Reads the status, Retry-After and Teams' sub-code from an error thrown by the connector client. */
export function classifySendError(error: unknown): SendFailure {
  const e = error as {
    statusCode?: number;
    code?: string;
    response?: { bodyAsText?: string; headers?: { get?(name: string): string | undefined } };
    message?: string;
  };
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const body = `${e.response?.bodyAsText ?? ''} ${e.message ?? ''}`;
  if (status === 403 && body.includes('MessageWritesBlocked')) return { kind: 'blocked' };
  if (status === 413) return { kind: 'too_large' };
  if (status !== null && RETRYABLE.has(status)) {
    const header = e.response?.headers?.get?.('retry-after');
    const seconds = header !== undefined && header !== null && header !== '' ? Number(header) : Number.NaN;
    const at = Number.isNaN(seconds) && header ? Date.parse(header) : Number.NaN;
    const retryAfterMs = !Number.isNaN(seconds) ? Math.max(0, seconds * 1000) : !Number.isNaN(at) ? Math.max(0, at - Date.now()) : null;
    return { kind: 'retry', status, retryAfterMs };
  }
  // Network failures (no status) are worth another try; other 4xx are not.
  if (status === null && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed/i.test(`${e.code ?? ''} ${body}`))
    return { kind: 'retry', status: 0, retryAfterMs: null };
  return { kind: 'permanent', status };
}
