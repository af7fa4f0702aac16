import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, migrateToLatest, type Db } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { insertCase } from '../../bot/store/case.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { enqueueDelivery } from '../../bot/store/outbox.repository';
import { SOURCES } from '../../shared/domain';
import { TEST_POSTGRES_URL, type DatabaseKind } from './databases';
import { freePort } from './ports';
import type { ReceivedActivity } from './connector-standin';

const ROOT = join(__dirname, '..', '..');

/** The stand-in Bot Connector in a process of its own, with faults set over HTTP. */
export interface StandInProcess {
  serviceUrl: string;
  log(): Promise<{ received: ReceivedActivity[]; requests: Array<{ method: string; conversationId: string; status: number; at: number }> }>;
  /** From now on, this share of POSTs is answered 429 (Retry-After 1) or 503. */
  setFaults(faults: { rate429: number; rate503: number }): Promise<void>;
  /** Drops every connection for `ms`, as an unreachable service does. */
  outage(ms: number): Promise<void>;
  stop(): void;
}

export function startStandInProcess(): Promise<StandInProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'connector-standin.process.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the stand-in connector exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => {
      const serviceUrl = String(chunk).trim();
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${serviceUrl}_standin/${path}`, { method: 'POST', body: JSON.stringify(body) });
        if (!res.ok) throw new Error(`stand-in ${path}: ${res.status}`);
      };
      resolve({
        serviceUrl,
        log: async () => (await (await fetch(`${serviceUrl}_standin/log`)).json()) as Awaited<ReturnType<StandInProcess['log']>>,
        setFaults: (faults) => post('faults', faults),
        outage: (ms) => post('outage', { ms }),
        stop: () => child.kill('SIGKILL'),
      });
    });
  });
}

/** A database the test and the service processes share: a SQLite file, or a private PostgreSQL schema. */
export interface SharedDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL for the service processes. */
  url: string;
  /** PostgreSQL application_name of the service's connections (to terminate only those). */
  applicationName: string;
  db: Db;
  drop(): Promise<void>;
}

export async function createSharedDatabase(kind: DatabaseKind, opts: { host?: string; port?: number } = {}): Promise<SharedDatabase> {
  const applicationName = `em-test-${randomBytes(4).toString('hex')}`;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'em-delivery-'));
    const path = join(dir, 'engagement.sqlite');
    const db = createDatabase({ kind: 'sqlite', path });
    await migrateToLatest(db);
    return {
      kind,
      url: `sqlite:${path}`,
      applicationName,
      db,
      async drop() {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const db = createDatabase({ kind: 'postgres', url: TEST_POSTGRES_URL, poolSize: 4, searchPath: schema });
  await migrateToLatest(db);
  const base = new URL(TEST_POSTGRES_URL);
  if (opts.host) base.hostname = opts.host;
  if (opts.port) base.port = String(opts.port);
  base.searchParams.set('options', `-c search_path=${schema}`);
  base.searchParams.set('application_name', applicationName);
  return {
    kind,
    url: base.toString(),
    applicationName,
    db,
    async drop() {
      await db.destroy();
      const c = new Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * One department with `tutors` tutors, each with a stored chat at the stand-in, and `digests`
 * open cases each queued as its own digest (the card names its case, so arrivals can be counted per case).
 */
export async function seedDigests(db: Db, opts: { serviceUrl: string; tutors: number; digests: number }): Promise<string[]> {
  const now = new Date().toISOString();
  await insertDepartment(db, { id: 'd1', name: 'Delivery department', isDemo: false }, now);
  const staff: Staff[] = Array.from({ length: opts.tutors }, (_, i) => ({
    id: `t${i}`,
    departmentId: 'd1',
    displayName: `Tutor ${i}`,
    email: null,
    entraId: `aad-t${i}`,
    roles: ['personal_tutor'],
  }));
  await insertStaff(db, staff, now);
  await db.transaction().execute(async (trx) => {
    for (const t of staff) {
      const reference = {
        serviceUrl: opts.serviceUrl,
        channelId: 'msteams',
        conversation: { id: `conv-${t.id}`, isGroup: false, conversationType: 'personal', name: '' },
        bot: { id: 'bot', name: 'bot' },
        user: { id: t.id, name: t.displayName },
      };
      await saveConversation(trx, { userAadId: t.entraId ?? '', staffId: t.id, studentId: null, reference }, now);
    }
  });
  return queueCaseDigests(db, { tutors: opts.tutors, digests: opts.digests });
}

/**
 * Another `digests` open cases in the department seedDigests made, for students named `<batch>s<i>`,
 * each queued as its own digest to one of the `tutors` tutors: a fresh wave of alerts for a running service.
 */
export async function queueCaseDigests(db: Db, opts: { tutors: number; digests: number; batch?: string }): Promise<string[]> {
  const now = new Date().toISOString();
  const batch = opts.batch ?? '';
  const students: Student[] = Array.from({ length: opts.digests }, (_, i) => ({
    id: `${batch}s${i}`,
    departmentId: 'd1',
    givenName: 'Student',
    familyName: `${batch}${i}`,
    email: null,
    entraId: null,
    programme: 'BSc Delivery',
    year: 1,
    status: 'active',
    tutorId: `t${i % opts.tutors}`,
  }));
  await insertStudents(db, students, now);
  const counts = Object.fromEntries(SOURCES.map((s) => [s, { d7: 0, d14: 0, d21: 0 }])) as never;
  const daysSinceLast = Object.fromEntries(SOURCES.map((s) => [s, 15])) as never;
  const caseIds: string[] = [];
  await db.transaction().execute(async (trx) => {
    for (const s of students) {
      const c = await insertCase(trx, {
        studentId: s.id,
        departmentId: 'd1',
        severity: 'high',
        status: 'open',
        rules: ['no_engagement'],
        reason: 'No engagement for 14 term days.',
        explanation: { counts, daysSinceLast, windowStart: null, windowEnd: null },
        ownerId: null,
        outcome: null,
        openedAt: now,
        updatedAt: now,
        closedAt: null,
        recoveredOn: null,
      });
      caseIds.push(c.id);
      await enqueueDelivery(
        trx,
        { idempotencyKey: `digest:${c.id}`, kind: 'digest', recipientStaffId: s.tutorId, payload: { caseIds: [c.id] } },
        now,
      );
    }
  });
  return caseIds;
}

/** What arrived at the stand-in for these cases: delivered, lost and duplicated digests; and the busiest second of all requests. */
export function tallyArrivals(log: Awaited<ReturnType<StandInProcess['log']>>, caseIds: readonly string[]) {
  const perCase = new Map<string, number>();
  const counted = new Set(caseIds);
  for (const r of log.received.filter((x) => x.method === 'POST')) {
    const match = /"caseId":"([^"]+)"/.exec(JSON.stringify(r.body.attachments?.[0]?.content));
    if (match?.[1] && counted.has(match[1])) perCase.set(match[1], (perCase.get(match[1]) ?? 0) + 1);
  }
  const lost = caseIds.filter((id) => !perCase.has(id)).length;
  const duplicated = [...perCase.values()].reduce((n, k) => n + (k - 1), 0);
  // Requests (accepted or refused) in any sliding second: what the tenant limit counts.
  const times = log.requests.map((r) => r.at).sort((a, b) => a - b);
  let busiestSecond = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[j] ?? 0) <= (times[i] ?? 0) - 1000) j++;
    busiestSecond = Math.max(busiestSecond, i - j + 1);
  }
  const apologies = log.received.filter((r) => /something went wrong/i.test(r.body.text ?? '')).length;
  return { lost, duplicated, busiestSecond, apologies, accepted: log.received.length };
}

/** The real service (bot/main.ts) as a process of its own. */
export interface ServiceProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Everything it logged (pino JSON lines), for a failing test to show. */
  output(): string;
  exited: Promise<number | null>;
  health(): Promise<number>;
}

/** Settings every service process of these tests shares: no demo, jobs on, quick retries and takeovers. */
export const FAST_DELIVERY_ENV: Record<string, string> = {
  DEMO_DATA: 'false',
  JOBS_ENABLED: 'true',
  LOG_LEVEL: 'warn',
  DELIVERY_BACKOFF_SECONDS: '1',
  DELIVERY_LEASE_SECONDS: '6',
  JOB_TAKEOVER_SECONDS: '2',
  NOTIFY_EVERY_SECONDS: '1',
};

export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  let output = '';
  // One process (tsx as a loader, not its CLI wrapper): kill -9 must end the service itself, not a parent that leaves it orphaned.
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'bot', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += String(d)));
  child.stderr?.on('data', (d: Buffer) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const health = async () => {
    try {
      return (await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(8000) })).status;
    } catch {
      return 0;
    }
  };
  // Bounded by attempts, not wall time: on a loaded machine start-up is slow, but a service that
  // exits or never answers within this many tries (each up to 8 s) has failed.
  for (let attempt = 1; (await health()) !== 200; attempt++) {
    if (child.exitCode !== null || attempt > 600) throw new Error(`the service did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, baseUrl, output: () => output, exited, health };
}

/**
 * Waits until no delivery is pending and returns the outbox's figures. Bounded by progress, not
 * wall time: it gives up (and returns what it sees) only after `stallPolls` polls in a row in which
 * nothing was sent, failed or retried (the outbox stopped moving), so a slow machine is not a failure.
 */
export async function waitForOutbox(
  db: Db,
  opts: { stallPolls?: number } = {},
): Promise<{ pending: number; sent: number; failed: number; repeats: number }> {
  const stallPolls = opts.stallPolls ?? 240;
  let last = '';
  for (let still = 0; ;) {
    const rows = await db
      .selectFrom('outbox')
      .select((eb) => [
        'status',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('repeats').as('repeats'),
        eb.fn.sum<number>('attempts').as('attempts'),
        eb.fn.sum<number>('sends').as('sends'),
      ])
      .groupBy('status')
      .execute();
    const by = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    const figures = {
      pending: by('pending'),
      sent: by('sent'),
      failed: by('failed'),
      repeats: rows.reduce((n, r) => n + Number(r.repeats ?? 0), 0),
    };
    if (figures.pending === 0) return figures;
    const progress = JSON.stringify([figures, rows.map((r) => [r.status, Number(r.attempts ?? 0), Number(r.sends ?? 0)])]);
    still = progress === last ? still + 1 : 0;
    last = progress;
    if (still >= stallPolls) return figures;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until at least `count` cards reached the stand-in; bounded by polls (each 100 ms apart plus the request). */
export async function waitForArrivals(standIn: StandInProcess, count: number, maxPolls = 1200): Promise<void> {
  for (let poll = 0; (await standIn.log()).received.length < count; poll++) {
    if (poll >= maxPolls) throw new Error(`fewer than ${count} arrivals after ${maxPolls} polls`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
