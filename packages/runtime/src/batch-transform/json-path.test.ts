import { describe, expect, it } from 'vitest';
import { DataProcessor } from './data-processing.js';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

const at = (path: string, v: unknown) => evaluateJsonPath(parseJsonPath(path), v);

describe('the DataProcessing JSONPath subset', () => {
  const row = ['id', '1', '2', '3', '4'];
  const doc = { id: 7, features: [1, 2, 3], meta: { a: 1, b: 2 } };
  it('selects by index, list, slice and negative index (CSV rows)', () => {
    expect(at('$', row)).toEqual(row);
    expect(at('$[0]', row)).toBe('id');
    expect(at('$[-1]', row)).toBe('4');
    expect(at('$[1:]', row)).toEqual(['1', '2', '3', '4']);
    expect(at('$[1:3]', row)).toEqual(['1', '2']);
    expect(at('$[:2]', row)).toEqual(['id', '1']);
    expect(at('$[0,-1]', row)).toEqual(['id', '4']);
    expect(at('$[0,2:4]', row)).toEqual(['id', '2', '3']);
  });
  it('selects names, name lists (an object of those keys) and wildcards (JSON)', () => {
    expect(at('$.features', doc)).toEqual([1, 2, 3]);
    expect(at('$.features[1:]', doc)).toEqual([2, 3]);
    expect(at("$['id','meta']", doc)).toEqual({ id: 7, meta: { a: 1, b: 2 } });
    expect(at("$['features']", doc)).toEqual([1, 2, 3]);
    expect(at('$.meta.*', doc)).toEqual([1, 2]);
    expect(at('$[*]', [{ x: 1 }, { x: 2 }])).toEqual([{ x: 1 }, { x: 2 }]);
    expect(at('$[*].x', [{ x: 1 }, { x: 2 }])).toEqual([1, 2]);
    expect(at('$.missing', doc)).toBeUndefined();
  });
  it('refuses what it cannot read, naming the path', () => {
    expect(() => parseJsonPath('features')).toThrow("JSONPath 'features' must start with '$'.");
    expect(() => parseJsonPath('$[1')).toThrow("'[' at offset 1 is never closed");
    expect(() => parseJsonPath('$[a]')).toThrow("'a' is not an index or a slice");
  });
  it('fails on an index outside the array, in a union too, instead of leaving the field out (slices are clipped)', () => {
    expect(() => at('$[5]', row)).toThrow('index 5 is outside the 5-element array it indexes');
    expect(() => at('$[0,7]', row)).toThrow('index 7 is outside the 5-element array it indexes');
    expect(() => at('$[-6]', row)).toThrow('index -6 is outside the 5-element array it indexes');
    expect(at('$[3:9]', row)).toEqual(['3', '4']);
    // In a job, the reason names the record and the filter.
    const joined = new DataProcessor({ joinSource: 'Input', outputFilter: '$[0,40]' }, 'csv', 'csv');
    expect(() => joined.outputRecord('7,1,2', '0.5', 'a.csv record 3')).toThrow("a.csv record 3: OutputFilter '$[0,40]': index 40 is outside the 4-element array it indexes.");
    const input = new DataProcessor({ inputFilter: '$[1,3]' }, 'csv', 'csv');
    expect(() => input.filterInput('7,1,2', 'a.csv line 2')).toThrow("a.csv line 2: InputFilter '$[1,3]': index 3 is outside the 3-element array it indexes.");
  });
});
