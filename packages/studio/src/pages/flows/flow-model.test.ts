import { describe, expect, it } from 'vitest';
import { branchFrom, canvasTitleOf, freshId, insertAfter, layout, missingParams, removeNode, type FlowDefinition, type TransformInfo } from './flow-model.js';

const chain: FlowDefinition = {
  formatVersion: 1,
  nodes: [
    { id: 'src', type: 'source', dataset: { name: 'd' } },
    { id: 'a', type: 'transform', transform: 'trim', inputs: ['src'], params: { columns: ['x'] } },
    { id: 'out', type: 'destination', inputs: ['a'] },
  ],
};

describe('flow editor model', () => {
  it('lays a DAG out in layers: a join sits right of its furthest input', () => {
    const def: FlowDefinition = {
      formatVersion: 1,
      nodes: [
        { id: 'l', type: 'source' },
        { id: 'r', type: 'source' },
        { id: 't', type: 'transform', transform: 'trim', inputs: ['r'] },
        { id: 'j', type: 'transform', transform: 'join', inputs: ['l', 't'] },
      ],
    };
    expect(layout(def).map((p) => [p.node.id, p.layer, p.row])).toEqual([['l', 0, 0], ['r', 0, 1], ['t', 1, 0], ['j', 2, 0]]);
  });

  it('starts a new branch from a node that already feeds a step: both read it', () => {
    const split = branchFrom(chain, 'src', { id: 'b', type: 'transform', transform: 'split_random', params: { keep: 'validation' } });
    expect(split.nodes.map((n) => [n.id, n.inputs ?? []])).toEqual([['src', []], ['a', ['src']], ['b', ['src']], ['out', ['a']]]);
    expect(layout(split).map((p) => [p.node.id, p.layer, p.row])).toEqual([['src', 0, 0], ['a', 1, 0], ['b', 1, 1], ['out', 2, 0]]);
  });

  it('names destinations on the canvas by the end of their URI, which tells them apart', () => {
    const dest = (s3Uri: string) => ({ id: 'o', type: 'destination' as const, output: { s3Uri } });
    expect(canvasTitleOf(dest('s3://wine/train/train.csv'))).toBe('…/train.csv');
    expect(canvasTitleOf(dest('s3://wine/v2/train.csv'))).toBe('…/v2/train.csv');
    expect(canvasTitleOf(dest('s3://wine/validation/validation.csv'))).toBe('…/validation.csv');
    expect(canvasTitleOf(dest('s3://loam-demo/breast-cancer/batch/'))).toBe('…/batch/');
    expect(canvasTitleOf(dest('s3://b/x.csv'))).toBe('s3://b/x.csv');
    expect(canvasTitleOf({ id: 't', type: 'transform', transform: 'split_stratified_by_a_long_name' })).toBe('split stratified by a long name');
  });

  it('inserts a step into a chain and removes it again, keeping the chain connected', () => {
    const added = insertAfter(chain, 'a', { id: 'b', type: 'transform', transform: 'dedupe' });
    expect(added.nodes.map((n) => [n.id, n.inputs ?? []])).toEqual([['src', []], ['a', ['src']], ['b', ['a']], ['out', ['b']]]);
    expect(removeNode(added, 'b')).toEqual(chain);
    expect(removeNode(chain, 'a').nodes.find((n) => n.id === 'out')?.inputs).toEqual(['src']);
  });

  it('makes fresh ids that match the format', () => {
    expect(freshId(chain, 'a')).toBe('a-2');
    expect(freshId(chain, 'one hot!')).toBe('one_hot_');
  });

  it('names what a step still needs before it can be previewed', () => {
    const catalogue: TransformInfo[] = [
      { Name: 'join', Group: 'Combine', Summary: '', Inputs: 2, Parameters: { type: 'object', properties: {}, required: [] } },
      { Name: 'drop_columns', Group: 'Manage columns', Summary: '', Inputs: 1, Parameters: { type: 'object', properties: { columns: { type: 'array' } }, required: ['columns'] } },
    ];
    expect(missingParams({ id: 'j', type: 'transform', transform: 'join', inputs: ['a'] }, catalogue)).toEqual(['second input']);
    expect(missingParams({ id: 'j', type: 'transform', transform: 'join', inputs: ['a', 'b'] }, catalogue)).toEqual([]);
    expect(missingParams({ id: 'd', type: 'transform', transform: 'drop_columns', inputs: ['src'], params: { columns: [] } }, catalogue)).toEqual(['columns']);
    expect(missingParams({ id: 's', type: 'source' }, catalogue)).toEqual([]);
  });
});
