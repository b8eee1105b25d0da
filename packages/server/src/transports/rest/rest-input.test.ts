import { describe, expect, it } from 'vitest';
import { operations } from '@loam/contracts';
import { validateInput } from '../../operations/validate.js';
import { restInput } from './rest-input.js';

// Found by the input fuzz (operations/input-fuzz.test.ts): TypeBox's Convert reads an integer query value
// with parseInt, so `?MaxResults=1.5` was served as 1 (and `1e3` as 1) instead of being refused or read whole.
describe('REST query values meant as numbers are read exactly', () => {
  const list = (query: Record<string, unknown>) => restInput(operations.ListModels, {}, query, undefined) as Record<string, unknown>;

  it('a fraction for an integer member stays a fraction, which validation refuses naming the member', () => {
    const input = list({ MaxResults: '1.5' });
    expect(input).toEqual({ MaxResults: 1.5 });
    expect(() => validateInput(operations.ListModels, input)).toThrow(/Value '1.5' at 'maxResults'/);
  });

  it('an exponent is the number it writes; hex, Infinity and words stay strings for validation to name', () => {
    expect(list({ MaxResults: '1e1' })).toEqual({ MaxResults: 10 });
    expect(list({ MaxResults: '7' })).toEqual({ MaxResults: 7 });
    for (const v of ['0x10', 'Infinity', 'ten', '']) {
      const input = list({ MaxResults: v });
      expect(input).toEqual({ MaxResults: v });
      expect(() => validateInput(operations.ListModels, input)).toThrow(/at 'maxResults'/);
    }
  });
});
