import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const ROOT = join(__dirname, '..', '..');

export interface PlaygroundMessage {
  messageId: string;
  from: { id: string };
  text?: string;
  attachments?: Array<{ contentType: string; content: { body?: unknown[] } & Record<string, unknown> }>;
}

export interface Playground {
  url: string;
  personalChatId: string;
  messages: PlaygroundMessage[];
  waitFor(predicate: (m: PlaygroundMessage) => boolean, timeoutMs?: number): Promise<PlaygroundMessage>;
  install(): Promise<void>;
  say(text: string): Promise<void>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Microsoft's Agents Playground (the local Teams emulator with a mock Bot Connector) against
 * a bot endpoint, with the repository's demo users, and records everything the bot sends.
 */
export async function startPlayground(botEndpoint: string): Promise<Playground> {
  const dir = mkdtempSync(join(tmpdir(), 'em-playground-'));
  copyFileSync(join(ROOT, '.m365agentsplayground.yml'), join(dir, '.m365agentsplayground.yml'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const child: ChildProcess = spawn(join(ROOT, 'node_modules', '.bin', 'agentsplayground'), ['start', '-e', botEndpoint, '-c', 'msteams', '--dt', '-p', String(port)], {
    cwd: dir,
    env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' },
    stdio: 'ignore',
  });
  let config: { personalChat: { id: string } } | undefined;
  for (let i = 0; i < 200 && !config; i++) {
    if (child.exitCode !== null) throw new Error(`the Agents Playground exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/_internal/v1/config`);
      if (res.ok) config = ((await res.json()) as { config: typeof config }).config;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!config) throw new Error('the Agents Playground did not start');

  const messages: PlaygroundMessage[] = [];
  const waiters: Array<() => void> = [];
  const ws = new WebSocket(`ws://localhost:${port}/_ws_conversation/v1/conversations/stream`);
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { action: string; message?: PlaygroundMessage };
    if (frame.action === 'createMessage' && frame.message) {
      messages.push(frame.message);
      waiters.splice(0).forEach((wake) => wake());
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const personalChatId = config.personalChat.id;

  return {
    url,
    personalChatId,
    messages,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such message from the bot within ${timeoutMs} ms; got ${messages.length}: ${JSON.stringify(messages).slice(0, 2000)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async install() {
      const res = await fetch(`${url}/_debug/conversation/${personalChatId}/installation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (!res.ok) throw new Error(`installation failed: ${res.status}`);
    },
    async say(text) {
      const res = await fetch(`${url}/_conversation/v1/conversations/${personalChatId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: { id: 'user-id-0' }, text, textFormat: 'plain' }),
      });
      if (!res.ok) throw new Error(`sending "${text}" failed: ${res.status} ${await res.text()}`);
    },
    async close() {
      ws.close();
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** All text in an adaptive card, flattened, for assertions that read like what a person sees. */
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
