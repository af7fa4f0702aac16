import type { ConversationReference } from 'botbuilder';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import { findStaff } from '../store/staff.repository';
import { findStudent } from '../store/student.repository';
import { saveConversation } from '../store/conversation.repository';

/** Anything that can hand out a Graph access token (ClientSecretCredential in production). */
export interface GraphTokenSource {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

export interface InstallDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  graphBaseUrl: string;
  credential: GraphTokenSource;
  /** The manifest id of our app, as the tenant's app catalogue knows it. */
  teamsAppExternalId: string;
  botAppId: string;
  /** The Bot Connector endpoint proactive messages to this tenant go through. */
  serviceUrl: string;
  /** The longest one Graph request (headers and body) may take; 60 s unless given. */
  requestTimeoutMs?: number;
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function graph<T>(deps: InstallDeps, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const token = await deps.credential.getToken('https://graph.microsoft.com/.default');
  if (!token) throw new GraphError(401, 'No Graph token could be obtained for the app.');
  // One deadline for the headers and the body: a request accepted and never answered would otherwise hold the delivery for minutes.
  const res = await fetch(`${deps.graphBaseUrl}${path}`, {
    signal: AbortSignal.timeout(deps.requestTimeoutMs ?? 60_000),
    method,
    headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as T;
  if (res.status >= 400 && res.status !== 409) {
    const message = (json as { error?: { message?: string } }).error?.message ?? text;
    throw new GraphError(res.status, `Graph ${method} ${path.split('?')[0]} answered ${res.status}: ${message}`);
  }
  return { status: res.status, json };
}

/**
 * Opens a chat with someone who never talked to the bot: installs the app for them through Graph
 * (409 means it already is), reads the chat of that installation, and stores the conversation
 * reference as an install event would. Needs TeamsAppInstallation.ReadWriteSelfForUser.All.
 */
export async function openChatThroughGraph(
  deps: InstallDeps,
  who: { staffId: string | null; studentId: string | null },
): Promise<Partial<ConversationReference> | undefined> {
  const person = who.staffId
    ? await findStaff(deps.db, who.staffId)
    : who.studentId
      ? await findStudent(deps.db, who.studentId)
      : undefined;
  const aadId = person?.entraId;
  if (!aadId) return undefined;
  try {
    const filter = encodeURIComponent(`externalId eq '${deps.teamsAppExternalId}'`);
    const catalog = await graph<{ value?: Array<{ id: string }> }>(deps, 'GET', `/appCatalogs/teamsApps?$filter=${filter}`);
    const appId = catalog.json.value?.[0]?.id;
    if (!appId)
      throw new GraphError(404, `The app ${deps.teamsAppExternalId} is not in the tenant's app catalogue; upload the app package first.`);
    const user = encodeURIComponent(aadId);
    await graph(deps, 'POST', `/users/${user}/teamwork/installedApps`, {
      'teamsApp@odata.bind': `${deps.graphBaseUrl}/appCatalogs/teamsApps/${appId}`,
    });
    const installs = await graph<{ value?: Array<{ id: string }> }>(
      deps,
      'GET',
      `/users/${user}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/externalId eq '${deps.teamsAppExternalId}'`)}`,
    );
    const installId = installs.json.value?.[0]?.id;
    if (!installId) throw new GraphError(404, 'The app was installed but its installation could not be read back.');
    const chat = await graph<{ id?: string }>(deps, 'GET', `/users/${user}/teamwork/installedApps/${encodeURIComponent(installId)}/chat`);
    if (!chat.json.id) throw new GraphError(404, 'The installation has no chat yet.');
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl: deps.serviceUrl,
      bot: { id: `28:${deps.botAppId}`, name: 'Engagement Monitor' },
      user: { id: aadId, name: '', aadObjectId: aadId },
      conversation: { id: chat.json.id, conversationType: 'personal', isGroup: false, name: '' },
    };
    await saveConversation(
      deps.db,
      { userAadId: aadId, staffId: who.staffId, studentId: who.studentId, reference },
      deps.now().toISOString(),
    );
    deps.logger.info({ staffId: who.staffId, studentId: who.studentId }, 'installed the app through Graph and opened the chat');
    return reference;
  } catch (error) {
    // A failed install leaves the delivery waiting for a chat, as before; the log says why.
    deps.logger.warn({ err: error, staffId: who.staffId, studentId: who.studentId }, 'could not install the app through Graph');
    return undefined;
  }
}
