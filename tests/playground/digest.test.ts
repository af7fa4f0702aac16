import { startTestApp, type RunningApp } from '../support/app';
import { join } from 'node:path';
import { cardText, startPlayground, type Playground } from '../support/playground';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { deliverDue } from '../../bot/teams/deliver.command';
import { eventually } from '../support/eventually';
import type { FlagListResponse } from '../../shared/api/flags';

// The Playground's current user is the demo tutor whose Entra id is demoStaffEntraId(5): demo-staff-06.
const TUTOR_ID = 'demo-staff-06';

describe('the demo tutor in the Agents Playground', () => {
  let server: RunningApp;
  let playground: Playground;

  beforeAll(async () => {
    server = await startTestApp({ DEMO_DATA: 'true' });
    playground = await startPlayground({
      botPort: Number(new URL(server.baseUrl).port),
      configFile: join(__dirname, '..', '..', '.m365agentsplayground.yml'),
      currentUser: { id: 'user-id-0', name: 'Demo personal tutor', aadObjectId: '00000000-0000-4000-8000-000000000105' },
    });
  });
  afterAll(async () => {
    await playground?.stop();
    await server?.close();
  });

  it('when the tutor installs the app, then they are welcomed and receive one digest card naming their flagged tutees', async () => {
    const expected = (await (
      await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: `Local ${TUTOR_ID}` } })
    ).json()) as FlagListResponse;
    expect(expected.flags.length).toBeGreaterThan(0);

    await playground.install();

    await playground.waitFor((m) => (m.text ?? '').startsWith('Hello Dr'), 'the welcome');
    const digest = await playground.waitFor((m) => cardText(m).includes('Students who may need a check-in'), 'the digest');
    const text = cardText(digest);
    for (const flag of expected.flags) expect(text).toContain(flag.studentName);
    expect(text).toContain('DEMO DATA');
    await eventually(async () => {
      const deliveries = await listDeliveries(server.app.db, { recipientStaffId: TUTOR_ID });
      expect(deliveries.map((d) => d.status)).toEqual(['sent']);
      expect(deliveries[0]?.sentActivityId).toBeTruthy();
    });
  });

  it('when the notifier runs again, then the digest is not sent twice', async () => {
    const before = playground.messages.length;
    const summary = await deliverDue(server.app.services.deliver, { recipientStaffId: TUTOR_ID });
    expect(summary.sent).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(playground.messages.length).toBe(before);
  });

  it('when the tutor types "help", then the bot answers with what it can do', async () => {
    await playground.say('help');
    const reply = await playground.waitFor((m) => cardText(m).includes('my students'), 'the help card');
    expect(cardText(reply)).toContain('Type **help** to see this again.');
  });

  it('when the tutor types "my students", then the bot lists the same tutees as the tab', async () => {
    const count = playground.messages.length;
    await playground.say('my students');
    const reply = await playground.waitFor(
      (m) => playground.messages.indexOf(m) >= count && cardText(m).includes('Students who may need a check-in'),
      'the my-students card',
    );
    const expected = (await (
      await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: `Local ${TUTOR_ID}` } })
    ).json()) as FlagListResponse;
    for (const flag of expected.flags) expect(cardText(reply)).toContain(flag.studentName);
  });
});
