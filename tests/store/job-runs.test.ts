import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { claimJobRun, listJobRuns } from '../../bot/store/job-run.repository';

const HOUR = 3_600_000;
const START = new Date('2026-11-30T09:00:00.000Z');

describe.each(DATABASE_KINDS)('claiming a singleton job run on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.drop());

  const claimBy = (instances: string[], now: Date, firstRun = true) =>
    Promise.all(instances.map((instance) => claimJobRun(t.db, { name: 'evaluate', instance, now, everyMs: HOUR, firstRun })));

  it('when six callers claim a job never run at the same moment, then exactly one of them runs it', async () => {
    const granted = await claimBy(['a', 'b', 'c', 'd', 'e', 'f'], START);
    expect(granted.filter(Boolean)).toHaveLength(1);
    expect(await listJobRuns(t.db)).toEqual([{ name: 'evaluate', startedAt: START.toISOString(), instance: expect.any(String) }]);
  });

  it('when six callers claim the same due time at once, then exactly one runs it, and none before the next period', async () => {
    await claimBy(['a'], START);
    const due = new Date(START.getTime() + HOUR);
    const granted = await claimBy(['a', 'b', 'c', 'd', 'e', 'f'], due);
    expect(granted.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b', 'c', 'd', 'e', 'f'][granted.indexOf(true)];
    expect(await listJobRuns(t.db)).toEqual([{ name: 'evaluate', startedAt: due.toISOString(), instance: winner }]);
    expect(await claimBy(['b'], new Date(due.getTime() + HOUR / 2))).toEqual([false]);
  });

  it('when a job not meant to run at start is first claimed, then it does not run but its schedule starts now', async () => {
    expect(await claimBy(['a'], START, false)).toEqual([false]);
    expect(await claimBy(['a'], new Date(START.getTime() + HOUR), false)).toEqual([true]);
  });
});
