import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrateToLatest, type Db } from '../../bot/store/database';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { runCliInProcess } from '../support/cli';
import { seedCase } from '../bot/fixtures';

describe('engagement notify', () => {
  let dir: string;
  let db: Db;
  let connector: ConnectorStandIn;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const student = buildStudent({ tutorId: tutor.id });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-notify-'));
    db = createDatabase({ kind: 'sqlite', path: join(dir, 'cli.sqlite') });
    await migrateToLatest(db);
    connector = await startConnectorStandIn();
    await seedDepartment(db);
    await seedPeople(db, { staff: [tutor], students: [student] });
    const reference = {
      serviceUrl: connector.serviceUrl,
      channelId: 'msteams',
      conversation: { id: 'conv-tutor', isGroup: false, conversationType: 'personal', name: '' },
      bot: { id: 'bot', name: 'bot' },
      user: { id: 'u-tutor', name: 'Ada' },
    };
    await saveConversation(db, { userAadId: tutor.entraId ?? '', staffId: tutor.id, studentId: null, reference }, NOW);
  });
  afterEach(async () => {
    await connector.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a digest is due, then it is sent once through the connector, and a second run sends nothing', async () => {
    const c = await seedCase(db, student.id);
    await enqueueDelivery(
      db,
      { idempotencyKey: 'digest:cli', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [c.id] } },
      NOW,
    );
    const env = { DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}` };

    const first = await runCliInProcess(['notify', '--json'], env);
    const second = await runCliInProcess(['notify', '--json'], env);

    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      claimed: 1,
      sent: 1,
      lostClaim: 0,
      unrecorded: 0,
      waitingForChat: 0,
      failed: 0,
      retrying: 0,
      unreachable: 0,
    });
    expect(JSON.parse(second.stdout)).toMatchObject({ sent: 0 });
    expect(connector.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect((await listDeliveries(db)).map((d) => d.status)).toEqual(['sent']);
  });
});
