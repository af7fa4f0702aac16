import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, insertTerm } from '../support/factories';
import { listTerms } from '../../bot/store/calendar.repository';
import { setTermCalendar } from '../../bot/commands/terms.command';
import { listAudit } from '../../bot/store/audit.repository';

describe.each(DATABASE_KINDS)('the term calendar on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.drop());

  it('when a new calendar is set, then it replaces the old one whole and the change is audited', async () => {
    await insertTerm(t.db, AUTUMN);
    const spring = {
      name: 'Spring 2027',
      start: '2027-01-25',
      end: '2027-05-14',
      excluded: [{ start: '2027-03-29', end: '2027-04-09', label: 'Easter' }],
    };
    const terms = await setTermCalendar(t.db, [spring], { actorId: null, now: NOW });
    expect(terms).toEqual([spring]);
    expect(await listTerms(t.db)).toEqual([spring]);
    expect((await listAudit(t.db)).map((a) => a.action)).toEqual(['set_term_calendar']);
  });

  it('when the new calendar has a mistake, then nothing changes and the problem is named', async () => {
    await insertTerm(t.db, AUTUMN);
    await expect(
      setTermCalendar(t.db, [{ name: 'Broken', start: '2027-05-01', end: '2027-01-01' }], { actorId: null, now: NOW }),
    ).rejects.toMatchObject({
      status: 400,
      message: 'The term calendar was not changed: term 0.end: ends (2027-01-01) before it starts (2027-05-01)',
    });
    expect(await listTerms(t.db)).toEqual([AUTUMN]);
  });
});
