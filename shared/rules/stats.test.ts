import fc from 'fast-check';
import { percentile } from './stats';

/** The textbook definition: sort, then interpolate between the two nearest ranks. */
function reference(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

describe('percentile', () => {
  it('when taking the median and the 10th percentile of known values, then they match the interpolated ranks', () => {
    expect(percentile(Float64Array.from([5, 1, 3]), 50)).toBe(3);
    expect(percentile(Float64Array.from([4, 1, 3, 2]), 50)).toBe(2.5);
    expect(percentile(Float64Array.from([10, 0, 20, 30, 40, 50, 60, 70, 80, 90, 100]), 10)).toBe(10);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });

  it('when values come in any order, then the linear-time selection agrees with sorting', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, p) => {
          expect(percentile(Float64Array.from(values), p)).toBeCloseTo(reference(values, p), 9);
        },
      ),
    );
  });
});
