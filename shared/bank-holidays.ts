import type { IsoDay } from './domain';

/**
 * Bank holidays in England and Wales for 2026 and 2027, as published by GOV.UK
 * (https://www.gov.uk/bank-holidays, the `england-and-wales` division of https://www.gov.uk/bank-holidays.json).
 * The default closure days for working-day counts; a university sets its own with CLOSURE_DAYS.
 */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: readonly IsoDay[] = [
  '2026-01-01', // New Year's Day
  '2026-04-03', // Good Friday
  '2026-04-06', // Easter Monday
  '2026-05-04', // Early May bank holiday
  '2026-05-25', // Spring bank holiday
  '2026-08-31', // Summer bank holiday
  '2026-12-25', // Christmas Day
  '2026-12-28', // Boxing Day (substitute day)
  '2027-01-01', // New Year's Day
  '2027-03-26', // Good Friday
  '2027-03-29', // Easter Monday
  '2027-05-03', // Early May bank holiday
  '2027-05-31', // Spring bank holiday
  '2027-08-30', // Summer bank holiday
  '2027-12-27', // Christmas Day (substitute day)
  '2027-12-28', // Boxing Day (substitute day)
];
