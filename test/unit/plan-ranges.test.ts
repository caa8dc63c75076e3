import { describe, expect, it } from 'vitest';
import {
  CANDIDATES_PER_RANGE,
  firstStep,
  MIN_RANGE_ROWS,
  rowsOfRanges,
  splitCandidates,
} from '../../activities/copy/plan-ranges.js';

describe('splitting a key walk into ranges', () => {
  it('steps so that each wanted range gets its candidates, and never below what makes every range worth it', () => {
    expect(firstStep(1_000_000, 4)).toBe(1_000_000 / (4 * CANDIDATES_PER_RANGE));
    // An empty or tiny estimate walks as if each range had its minimum.
    expect(firstStep(0, 4)).toBe(MIN_RANGE_ROWS / CANDIDATES_PER_RANGE);
    expect(firstStep(1, 1)).toBe(Math.floor(MIN_RANGE_ROWS / CANDIDATES_PER_RANGE));
  });

  it('picks the candidates nearest the equal shares', () => {
    // 64 candidates 15,625 rows apart (1M rows): splits at 250k, 500k and 750k rows.
    expect(splitCandidates(64, 15_625, 4)).toEqual([15, 31, 47]);
    // Thinned to 3 per range: still one split per share.
    expect(splitCandidates(9, 100_000, 3)).toEqual([2, 5]);
  });

  it('makes fewer ranges when the rows found would leave one under the minimum', () => {
    // 50,000 rows: two ranges of 25,000.
    expect(splitCandidates(40, 1_250, 4)).toEqual([19]);
    // 30,000 rows or none: one range.
    expect(splitCandidates(24, 1_250, 4)).toEqual([]);
    expect(splitCandidates(0, 1_250, 4)).toEqual([]);
  });

  it('never splits twice at one candidate', () => {
    const picked = splitCandidates(2, 50_000, 4);
    expect(new Set(picked).size).toBe(picked.length);
    expect(picked.every((index) => index >= 0 && index < 2)).toBe(true);
  });

  it('counts the rows of each range: a step per candidate, the counted tail in the last', () => {
    expect(rowsOfRanges([15, 31, 47], 64, 15_625, 700)).toEqual([250_000, 250_000, 250_000, 250_700]);
    expect(rowsOfRanges([19], 40, 1_250, 0)).toEqual([25_000, 25_000]);
    // Fewer rows than a step: one range, all of them in the tail.
    expect(rowsOfRanges([], 0, 1_250, 37)).toEqual([37]);
  });
});
