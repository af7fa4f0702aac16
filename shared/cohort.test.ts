import { cohortBand } from './cohort';

describe('cohortBand', () => {
  it('when the cohort is empty, then there is no band', () => {
    expect(cohortBand([])).toBeNull();
  });

  it('when values are unsorted, then the median and quartiles interpolate between sorted neighbours', () => {
    expect(cohortBand([4, 0, 2, 6, 8])).toEqual({ median: 4, low: 2, high: 6 });
    expect(cohortBand([1, 2])).toEqual({ median: 1.5, low: 1.25, high: 1.75 });
  });

  it('when there is one student, then the band is that student', () => {
    expect(cohortBand([3])).toEqual({ median: 3, low: 3, high: 3 });
  });
});
