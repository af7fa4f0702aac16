import {
  DEFAULT_SEND_SCHEDULE,
  nextDigestTime,
  parseDayMinute,
  parseQuietHours,
  routineNotBefore,
  routineSendTime,
  zonedInstant,
  type SendSchedule,
} from './send-schedule';

const london: SendSchedule = { ...DEFAULT_SEND_SCHEDULE, closures: new Set(['2026-12-25', '2026-12-28']) };
const next = (iso: string, schedule = london) => {
  const n = nextDigestTime(new Date(iso), schedule);
  return { day: n.day, at: n.at.toISOString() };
};

describe('the send schedule', () => {
  it('when local times are read, then only real times of day and two different ends of quiet hours are accepted', () => {
    expect(parseDayMinute('09:00')).toBe(540);
    expect(parseDayMinute('7:30')).toBe(450);
    expect(parseDayMinute('24:00')).toBeNull();
    expect(parseDayMinute('9am')).toBeNull();
    expect(parseQuietHours('19:00-08:00')).toEqual({ start: 1140, end: 480 });
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours('19:00-19:00')).toBeUndefined();
    expect(parseQuietHours('19:00')).toBeUndefined();
  });

  it('when the digest time is in British Summer Time or in GMT, then it is 09:00 on the clock in London either way', () => {
    expect(zonedInstant('Europe/London', '2026-10-23', 540).toISOString()).toBe('2026-10-23T08:00:00.000Z');
    expect(zonedInstant('Europe/London', '2026-10-26', 540).toISOString()).toBe('2026-10-26T09:00:00.000Z');
    expect(zonedInstant('Europe/London', '2026-03-30', 540).toISOString()).toBe('2026-03-30T08:00:00.000Z');
    // Friday in summer time, after 09:00: the next digest is Monday, after the clocks went back.
    expect(next('2026-10-23T10:00:00.000Z')).toEqual({ day: '2026-10-26', at: '2026-10-26T09:00:00.000Z' });
    // Thursday evening in summer time: Friday 09:00 BST.
    expect(next('2026-10-22T18:00:00.000Z')).toEqual({ day: '2026-10-23', at: '2026-10-23T08:00:00.000Z' });
  });

  it('when the day is a weekend or a closure day, then no digest goes on it', () => {
    // Christmas Eve after 09:00: Christmas Day, the weekend and the substitute Boxing Day are skipped.
    expect(next('2026-12-24T09:30:00.000Z')).toEqual({ day: '2026-12-29', at: '2026-12-29T09:00:00.000Z' });
    // Before 09:00 on a working day: that same morning.
    expect(next('2026-11-26T08:59:00.000Z')).toEqual({ day: '2026-11-26', at: '2026-11-26T09:00:00.000Z' });
    // Exactly at 09:00 the day's digest has had its moment: the next one is tomorrow.
    expect(next('2026-11-26T09:00:00.000Z').day).toBe('2026-11-27');
  });

  it('when the time zone is elsewhere, then the digest follows that clock', () => {
    const ny: SendSchedule = { ...london, timeZone: 'America/New_York' };
    expect(next('2026-11-26T12:00:00.000Z', ny)).toEqual({ day: '2026-11-26', at: '2026-11-26T14:00:00.000Z' });
  });

  it('when a routine message is written in quiet hours, then it waits until they end; outside them it goes at once', () => {
    const at = (iso: string) => routineSendTime(new Date(iso), london).toISOString();
    expect(at('2026-11-26T23:00:00.000Z')).toBe('2026-11-27T08:00:00.000Z');
    expect(at('2026-11-27T03:00:00.000Z')).toBe('2026-11-27T08:00:00.000Z');
    expect(at('2026-11-27T12:00:00.000Z')).toBe('2026-11-27T12:00:00.000Z');
    // 20:00 BST is 19:00 UTC: quiet in London although not by the UTC clock.
    expect(at('2026-06-10T19:00:00.000Z')).toBe('2026-06-11T07:00:00.000Z');
    expect(routineNotBefore(new Date('2026-11-27T12:00:00.000Z'), london)).toBeUndefined();
    expect(routineNotBefore(new Date('2026-11-27T12:00:00.000Z'), { timeZone: 'Europe/London', quietHours: null })).toBeUndefined();
    expect(routineNotBefore(new Date('2026-11-26T23:00:00.000Z'), undefined)).toBeUndefined();
    // Quiet hours within one day (lunch) end the same day.
    const lunch = { timeZone: 'Europe/London', quietHours: { start: 720, end: 780 } };
    expect(routineSendTime(new Date('2026-11-27T12:30:00.000Z'), lunch).toISOString()).toBe('2026-11-27T13:00:00.000Z');
  });
});
