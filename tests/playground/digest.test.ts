import { startTestApp, type RunningApp } from '../support/app';
import { join } from 'node:path';
import { cardText, startPlayground, type Playground } from '../support/playground';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { deliverDue } from '../../bot/teams/deliver.command';
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

  it('when the tutor installs the app, then the welcome says how many students wait and when the digest comes, and the digest waits for DIGEST_TIME', async () => {
    const expected = (await (
      await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: `Local ${TUTOR_ID}` } })
    ).json()) as FlagListResponse;
    expect(expected.flags.length).toBeGreaterThan(0);
    const [digest] = await listDeliveries(server.app.db, { recipientStaffId: TUTOR_ID });
    expect(digest?.kind).toBe('digest');
    const at = new Date(digest!.nextAttemptAt);
    expect(at.getTime()).toBeGreaterThan(Date.now());

    await playground.install();

    const welcome = await playground.waitFor((m) => (m.text ?? '').startsWith('Hello Dr'), 'the welcome');
    const when = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', weekday: 'long' });
    const parts = Object.fromEntries(when.formatToParts(at).map((p) => [p.type, p.value]));
    expect(welcome.text).toContain(`${expected.flags.length} of your students may need a check-in.`);
    expect(welcome.text).toContain(`I will send you their digest at ${parts.hour}:${parts.minute} on ${parts.weekday} `);
    expect(welcome.text).toContain('Type "my students" to see them now');
    // Installing sends nothing routine at once: the digest keeps its time.
    await deliverDue(server.app.services.deliver, { recipientStaffId: TUTOR_ID });
    await new Promise((r) => setTimeout(r, 300));
    expect(playground.messages.filter((m) => cardText(m).includes('Students who may need a check-in'))).toEqual([]);
    const after = await listDeliveries(server.app.db, { recipientStaffId: TUTOR_ID });
    expect(after.map((d) => [d.kind, d.status, d.nextAttemptAt])).toEqual([['digest', 'pending', digest!.nextAttemptAt]]);
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
