import {
  createDayOfInstant,
  createDayOfWallTime,
  createWallToUtcMs,
  parseLocaleTime,
  parseMoodleTime,
  parsePanoptoTime,
  parseSamisTime,
  wallToUtcMs,
} from '../../bot/ingest/dates';

describe('export dates', () => {
  it('when Moodle 4.x and 3.x times are read, then the day comes first and seconds are optional', () => {
    expect(parseMoodleTime('4/11/23, 11:18:42')).toEqual({ year: 2023, month: 11, day: 4, hour: 11, minute: 18, second: 42 });
    expect(parseMoodleTime('2/03/21, 14:21')).toEqual({ year: 2021, month: 3, day: 2, hour: 14, minute: 21, second: 0 });
    expect(parseMoodleTime('29/02/23, 10:00:00')).toBeNull();
    expect(parseMoodleTime('4/11/23 11:18:42')).toBeNull();
  });

  it('when Panopto times are read, then the month comes first and 12 AM is midnight', () => {
    expect(parsePanoptoTime('10/9/2023 7:49:05 AM')).toEqual({ year: 2023, month: 10, day: 9, hour: 7, minute: 49, second: 5 });
    expect(parsePanoptoTime('10/9/2023 12:05:00 AM')?.hour).toBe(0);
    expect(parsePanoptoTime('10/9/2023 12:05:00 PM')?.hour).toBe(12);
    expect(parsePanoptoTime('10/9/2023 13:05:00 PM')).toBeNull();
  });

  it('when a Teams date reads only one way, then it is accepted without a locale; when it reads two ways, then it is refused', () => {
    expect(parseLocaleTime('15/11/22, 09:30:17', null)).toEqual({
      ok: true,
      time: { year: 2022, month: 11, day: 15, hour: 9, minute: 30, second: 17 },
    });
    expect(parseLocaleTime('9/22/26, 2:48:05 PM', null)).toEqual({
      ok: true,
      time: { year: 2026, month: 9, day: 22, hour: 14, minute: 48, second: 5 },
    });
    expect(parseLocaleTime('11/10/23, 10:00:00', null)).toMatchObject({ ok: false });
    expect(parseLocaleTime('11/10/23, 10:00:00', 'en-US')).toMatchObject({ ok: true, time: { month: 11, day: 10 } });
    expect(parseLocaleTime('15/11/22, 09:30:17', 'en-US')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the file was downloaded with en-GB dates; pass --locale en-GB'),
    });
    expect(parseLocaleTime('31/02/23, 09:30:17', 'en-GB')).toMatchObject({ ok: false, reason: expect.stringContaining('not a real date') });
  });

  it('when Samis times are ISO or UK, then both are read', () => {
    expect(parseSamisTime('2026-11-20 09:15:02')).toMatchObject({ year: 2026, month: 11, day: 20 });
    expect(parseSamisTime('20/11/2026 09:15')).toMatchObject({ year: 2026, month: 11, day: 20, hour: 9 });
  });

  it('when London clocks go back, then the repeated hour resolves to the earlier instant and days follow London', () => {
    expect(new Date(wallToUtcMs({ year: 2023, month: 10, day: 29, hour: 1, minute: 30, second: 0 }, 'Europe/London')).toISOString()).toBe(
      '2023-10-29T00:30:00.000Z',
    );
    expect(new Date(wallToUtcMs({ year: 2023, month: 3, day: 26, hour: 12, minute: 0, second: 0 }, 'Europe/London')).toISOString()).toBe(
      '2023-03-26T11:00:00.000Z',
    );
    const day = createDayOfInstant('Europe/London');
    expect(day(Date.parse('2023-10-28T23:30:00Z'))).toBe('2023-10-29');
    expect(day(Date.parse('2023-10-29T23:30:00Z'))).toBe('2023-10-29');
  });

  it('when Pacific times fall in the week the US and UK clock changes differ, then they land on the right London day', () => {
    const dayOf = createDayOfWallTime('America/Los_Angeles', 'Europe/London');
    // 30 Oct to 4 Nov 2023: London is on GMT (UTC+0), Los Angeles still on PDT (UTC-7).
    expect(dayOf({ year: 2023, month: 11, day: 1, hour: 17, minute: 30, second: 0 })).toBe('2023-11-02');
    expect(dayOf({ year: 2023, month: 11, day: 1, hour: 16, minute: 59, second: 59 })).toBe('2023-11-01');
    // After 5 Nov both are on standard time: UTC-8.
    expect(dayOf({ year: 2023, month: 11, day: 8, hour: 16, minute: 30, second: 0 })).toBe('2023-11-09');
  });

  it('when wall times are turned into instants with the per-date offset cache, then every half hour of a year agrees with the full computation', () => {
    for (const zone of ['Europe/London', 'America/Los_Angeles', 'Australia/Lord_Howe']) {
      const cached = createWallToUtcMs(zone);
      const disagreements: string[] = [];
      for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2024, 0, 1); t += 1_800_000) {
        const d = new Date(t);
        const wall = {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: 0,
        };
        if (cached(wall) !== wallToUtcMs(wall, zone)) disagreements.push(`${zone} ${d.toISOString()}`);
      }
      expect(disagreements).toEqual([]);
    }
  });
});
