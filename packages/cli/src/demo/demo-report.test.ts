import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DemoReporter, type DemoStepRecord } from './demo-report.js';
import { demoNames } from './demo-steps.js';
import { demoFlowDefinition } from './demo-flow.js';

function capture(): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }) as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}
const rec = (step: number, id: string, seconds: number): DemoStepRecord => ({
  step, total: 3, id, title: `Step ${id}`, objectType: 'thing', objectName: id, studioUrl: `http://x/${id}`, seconds,
});

describe('demo reporter', () => {
  it('ends with a line starting "Demo complete" that names the slowest step', () => {
    const c = capture();
    const r = new DemoReporter(false, c.out);
    const steps = [rec(1, 'a', 1.5), rec(2, 'b', 12.25), rec(3, 'c', 3)];
    for (const s of steps) {
      r.start(s.step, 3, s.title);
      r.end(s);
    }
    r.done(steps, 20);
    const lines = c.text().trim().split('\n');
    expect(lines.at(-1)).toBe('Demo complete in 20.0s; slowest step: Step b (12.3s).');
    expect(lines).toContain('    thing b: http://x/b');
  });

  it('--json: one record per step, then the completion record', () => {
    const c = capture();
    const r = new DemoReporter(true, c.out);
    const steps = [rec(1, 'a', 4), rec(2, 'b', 2)];
    steps.forEach((s) => r.end(s));
    r.done(steps, 6);
    const records = c.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((x) => x['type'])).toEqual(['step', 'step', 'complete']);
    expect(records[2]).toMatchObject({ slowestStep: 'a', seconds: 6 });
    expect(String(records[2]!['message'])).toMatch(/^Demo complete/);
  });
});

describe('demo names and flow', () => {
  it('a rerun suffix applies to every per-run name but keeps the registry group shared', () => {
    const first = demoNames('');
    const second = demoNames('2');
    expect(first.dataset).toBe('breast-cancer');
    for (const k of ['dataset', 'flow', 'training', 'tuning', 'model', 'endpointConfig', 'endpoint', 'transform'] as const) expect(second[k]).toBe(`${first[k]}-2`);
    expect(second.group).toBe(first.group);
  });

  it('writes headerless CSVs: train and validation with the label, the batch input without it', () => {
    const f = demoFlowDefinition('ds', 's3://b/p');
    const dests = f.nodes.filter((n) => n.type === 'destination');
    expect(dests.map((d) => [d.output!.s3Uri, d.output!.header])).toEqual([['s3://b/p/train/train.csv', false], ['s3://b/p/validation/validation.csv', false], ['s3://b/p/batch/batch.csv', false]]);
    expect(f.nodes.find((n) => n.id === 'unlabelled')!.params).toEqual({ columns: ['target'] });
  });
});
