import Database from 'better-sqlite3';
import { DATABASE_KINDS, TEST_POSTGRES_URL } from '../support/databases';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { UNIVERSITY_CONTACTS_ENV, startTestApp, type RunningApp } from '../support/app';
import { createSharedDatabase, type SharedDatabase } from '../support/delivery-world';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { CRISIS, STUDENT_CHAT, saveTutorChat, writeAsStudent } from '../support/student-chat';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { drainDue } from '../../bot/teams/deliver.command';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

const HOLD_SECONDS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The database stops taking the service's writes, as it does in production: PostgreSQL unreachable (every
 * connection dropped through a proxy), or SQLite's file held by another writer (a shell import, a backup).
 */
interface DatabaseFault {
  refuse(): Promise<void>;
  answer(): Promise<void>;
  close(): Promise<void>;
}

async function setUp(kind: (typeof DATABASE_KINDS)[number]): Promise<{ shared: SharedDatabase; fault: DatabaseFault }> {
  if (kind === 'postgres') {
    const target = new URL(TEST_POSTGRES_URL);
    const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const shared = await createSharedDatabase('postgres', { host: '127.0.0.1', port: proxy.port });
    let cut = false;
    return {
      shared,
      fault: {
        refuse: async () => ((cut = true), await proxy.cut()),
        answer: async () => void (cut && ((cut = false), await proxy.restore())),
        close: () => proxy.close(),
      },
    };
  }
  const shared = await createSharedDatabase('sqlite');
  const other = new Database(shared.url.replace(/^sqlite:/, ''));
  return {
    shared,
    fault: {
      refuse: async () => void other.exec('begin immediate'),
      answer: async () => void (other.inTransaction && other.exec('rollback')),
      close: async () => void other.close(),
    },
  };
}

describe.each(DATABASE_KINDS)('a support card that went in the reply while the database would not record it, on %s', (kind) => {
  let shared: SharedDatabase;
  let fault: DatabaseFault;
  let connector: ConnectorStandIn;
  let app: RunningApp;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const student = buildStudent({ givenName: 'Rae', familyName: 'Quiet', tutorId: tutor.id });
  const cardsToStudent = () => connector.received.filter((r) => r.conversationId === STUDENT_CHAT && r.body.attachments?.length);

  beforeEach(async () => {
    ({ shared, fault } = await setUp(kind));
    connector = await startConnectorStandIn();
    await seedDepartment(shared.db);
    await seedPeople(shared.db, { staff: [tutor], students: [student] });
    await saveTutorChat(shared.db, tutor, connector.serviceUrl);
    app = await startTestApp({
      ...UNIVERSITY_CONTACTS_ENV,
      DATABASE_URL: shared.url,
      SUPPORT_CARD_HOLD_SECONDS: String(HOLD_SECONDS),
      DELIVERY_BACKOFF_SECONDS: '1',
    });
  });
  afterEach(async () => {
    connector.releaseHeld();
    await fault.answer();
    await app?.close();
    await fault.close();
    await connector.close();
    await shared.drop();
  });

  it('when the database is back after the hold ended, then the reply’s send is recorded first and the outbox does not send the card again', async () => {
    connector.holdNext(STUDENT_CHAT, 1, { when: (r) => r.replyToId === 'msg-1' });
    const answered = writeAsStudent(app.baseUrl, connector.serviceUrl, student, 'msg-1', CRISIS);
    await eventually(async () => expect(connector.held()).toBe(1), 10_000);

    // The database goes away while the card is on its way; the connector then takes the card.
    await fault.refuse();
    connector.releaseHeld();
    await eventually(async () => expect(cardsToStudent()).toHaveLength(1), 30_000);
    await answered.catch(() => undefined);
    // The hold the reply took ends while the send is still unrecorded; then the database answers again.
    await sleep(HOLD_SECONDS * 1000 + 1000);
    await fault.answer();

    await eventually(async () => expect(await drainDue(app.app.services.deliver)).toMatchObject({ claimed: 0 }), 30_000);
    expect(cardsToStudent()).toHaveLength(1);
    expect((await listDeliveries(shared.db)).filter((d) => d.kind === 'support_card')).toEqual([
      expect.objectContaining({ status: 'sent', sentActivityId: cardsToStudent()[0]!.activityId }),
    ]);
    expect((await listAudit(shared.db)).filter((a) => a.action === 'sent_support_card')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ via: 'reply' }) }),
    ]);
    await sleep(HOLD_SECONDS * 1000);
    await drainDue(app.app.services.deliver);
    expect(cardsToStudent()).toHaveLength(1);
  });
});
