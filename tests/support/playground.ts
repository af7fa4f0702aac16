import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort } from './ports';

const BIN = join(__dirname, '..', '..', 'node_modules', '.bin', 'agentsplayground');

export interface PlaygroundUser {
  id: string;
  name: string;
  aadObjectId: string;
  /** The e-mail and UPN the Teams roster gives for them; `<id>@example.ac.uk` unless set. */
  email?: string;
}

export interface PlaygroundMessage {
  messageId: string;
  conversationId: string;
  action: string;
  from?: { id?: string };
  text?: string;
  attachments?: Array<{ contentType: string; content: unknown }>;
}

export interface Playground {
  port: number;
  personalChatId: string;
  /** Everything the bot sent or updated, in order, as the Playground's stream reports it. */
  messages: PlaygroundMessage[];
  say(text: string, fromId?: string): Promise<void>;
  press(replyToId: string, verb: string, data: Record<string, unknown>, fromId?: string): Promise<{ status: number; body: unknown }>;
  waitFor(predicate: (m: PlaygroundMessage) => boolean, what: string, timeoutMs?: number): Promise<PlaygroundMessage>;
  /** Installs the app in the personal chat, as opening the app in Teams does: the bot gets installationUpdate. */
  install(): Promise<void>;
  stop(): Promise<void>;
}

function yamlFor(current: PlaygroundUser, others: PlaygroundUser[]): string {
  // The Playground insists on five other users; fillers are people the bot does not know.
  const fillers = Array.from({ length: Math.max(0, 5 - others.length) }, (_, i) => ({
    id: `user-id-${9 - i}`,
    name: `Visitor ${i}`,
    aadObjectId: `00000000-0000-4000-9000-00000000000${i}`,
  }));
  const person = (u: PlaygroundUser, indent: string) =>
    [
      `id: ${u.id}`,
      `name: ${u.name}`,
      `userPrincipleName: ${u.email ?? `${u.id}@example.ac.uk`}`,
      `aadObjectId: ${u.aadObjectId}`,
      'givenName: Test',
      'surname: Person',
      `email: ${u.email ?? `${u.id}@example.ac.uk`}`,
    ]
      .map((l, i) => `${i === 0 && indent.endsWith('- ') ? indent : indent.replace('- ', '  ')}${l}`)
      .join('\n');
  return [
    'version: "0.1.1"',
    'tenantId: 00000000-0000-0000-0000-0000000000001',
    'bot:',
    '  id: 00000000-0000-0000-0000-00000000000011',
    '  name: Engagement Monitor',
    'currentUser:',
    person(current, '  '),
    'users:',
    ...[...others, ...fillers].map((u) => person(u, '  - ')),
    'personalChat:',
    '  id: __PERSONAL_CHAT_ID__',
    'groupChat:',
    '  id: __GROUP_CHAT_ID__',
    '  name: Group Chat',
    'team:',
    '  id: team-id',
    '  name: Test department',
    '  aadGroupId: 00000000-0000-0000-0000-000000000031',
    '  channels:',
    '    - id: channel-id',
    '      name: General',
    '',
  ].join('\n');
}

/**
 * Starts the Microsoft 365 Agents Playground headless against a running bot, in a private folder
 * with its own users, and follows the conversation stream.
 */
export async function startPlayground(
  opts: { botPort: number } & (
    { currentUser: PlaygroundUser; users?: PlaygroundUser[] } | { configFile: string; currentUser: PlaygroundUser }
  ),
): Promise<Playground> {
  const dir = mkdtempSync(join(tmpdir(), 'em-playground-'));
  if ('configFile' in opts) copyFileSync(opts.configFile, join(dir, '.m365agentsplayground.yml'));
  else writeFileSync(join(dir, '.m365agentsplayground.yml'), yamlFor(opts.currentUser, opts.users ?? []));
  const port = await freePort();
  const child: ChildProcess = spawn(
    BIN,
    ['start', '-e', `http://127.0.0.1:${opts.botPort}/api/messages`, '-c', 'msteams', '--dt', '-p', String(port)],
    {
      cwd: dir,
      env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' },
      stdio: 'ignore',
    },
  );
  const base = `http://127.0.0.1:${port}`;
  let config: { personalChat?: { id?: string } } | undefined;
  const started = Date.now();
  while (!config) {
    if (child.exitCode !== null) throw new Error(`the Playground exited with ${child.exitCode}; see ${join(dir, 'devTools')}`);
    if (Date.now() - started > 45_000) throw new Error('the Playground did not start within 45 s');
    try {
      const res = await fetch(`${base}/_internal/v1/config`);
      if (res.ok) config = (await res.json()) as typeof config;
    } catch {
      // not listening yet
    }
    if (!config) await new Promise((r) => setTimeout(r, 250));
  }
  const personalChatId = findPersonalChatId(config);
  const messages: PlaygroundMessage[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${port}/_ws_conversation/v1/conversations/stream`);
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as {
      action?: string;
      actionConversationId?: string;
      message?: Omit<PlaygroundMessage, 'action' | 'conversationId'>;
    };
    if (frame.message)
      messages.push({
        ...frame.message,
        action: frame.action ?? '',
        conversationId: frame.actionConversationId ?? '',
      } as PlaygroundMessage);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });

  const waitFor: Playground['waitFor'] = async (predicate, what, timeoutMs = 20_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = [...messages].reverse().find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; saw: ${JSON.stringify(messages).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    port,
    personalChatId,
    messages,
    async say(text, fromId = opts.currentUser.id) {
      const res = await fetch(`${base}/_conversation/v1/conversations/${encodeURIComponent(personalChatId)}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: { id: fromId }, text, textFormat: 'plain' }),
      });
      if (!res.ok) throw new Error(`the Playground refused the message: ${res.status} ${await res.text()}`);
    },
    async press(replyToId, verb, data, fromId = opts.currentUser.id) {
      const res = await fetch(`${base}/_conversation/v1/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
          from: { id: fromId },
          conversation: { id: personalChatId },
          replyToId,
        }),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body };
    },
    waitFor,
    async install() {
      const res = await fetch(`${base}/_debug/conversation/${encodeURIComponent(personalChatId)}/installation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (!res.ok) throw new Error(`the Playground refused the installation: ${res.status}`);
    },
    async stop() {
      ws.close();
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findPersonalChatId(config: unknown): string {
  const c = config as { personalChat?: { id?: string }; config?: { personalChat?: { id?: string } } };
  const id = c.personalChat?.id ?? c.config?.personalChat?.id;
  if (!id) throw new Error(`no personal chat in the Playground config: ${JSON.stringify(config).slice(0, 1500)}`);
  return id;
}

/** All text in a message's adaptive cards, flattened, for assertions that read like what a person sees. */
export function cardText(message: PlaygroundMessage): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (typeof obj.text === 'string') texts.push(obj.text);
      if (typeof obj.title === 'string') texts.push(obj.title);
      Object.values(obj).forEach(walk);
    }
  };
  walk(message.attachments?.map((a) => a.content));
  return texts.join('\n');
}
