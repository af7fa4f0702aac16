import { isWorkingDay, workingDaysBetween } from './working-days';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays';

describe('working days', () => {
  it('when a span covers a weekend, then Saturday and Sunday are not counted', () => {
    // Friday 2026-11-27 to Wednesday 2026-12-02: Mon, Tue, Wed.
    expect(workingDaysBetween('2026-11-27', '2026-12-02')).toBe(3);
  });

  it('when the end is not after the start, then no working days have passed', () => {
    expect(workingDaysBetween('2026-11-27', '2026-11-27')).toBe(0);
    expect(workingDaysBetween('2026-11-27', '2026-11-20')).toBe(0);
  });

  it('when a day is a Saturday, then it is not a working day', () => {
    expect(isWorkingDay('2026-11-28')).toBe(false);
    expect(isWorkingDay('2026-11-30')).toBe(true);
  });
});

describe('working days with closures', () => {
  it('when the period spans Christmas 2026, then the England and Wales bank holidays are not counted', () => {
    const closures = new Set(ENGLAND_AND_WALES_BANK_HOLIDAYS);
    // Thu 24 Dec to Thu 31 Dec 2026: Fri 25 and Mon 28 are bank holidays, so Tue 29, Wed 30, Thu 31 remain.
    expect(workingDaysBetween('2026-12-24', '2026-12-31', closures)).toBe(3);
    expect(workingDaysBetween('2026-12-24', '2026-12-31')).toBe(5);
    expect(isWorkingDay('2027-03-26', closures)).toBe(false);
  });

  it('when a university closure day is listed, then it is not a working day', () => {
    expect(isWorkingDay('2026-12-23', new Set(['2026-12-23']))).toBe(false);
  });
});
