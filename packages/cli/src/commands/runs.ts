import type { Command } from 'commander';
import { createLoamClient, paginate, type LoamClient } from '@loam/sdk';
import { printError, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { wholeNumber } from '../flags.js';

type Json = { json?: boolean };

/** A table of runs: id, name, status, start time, then each metric's latest value. */
export function runsTable(runs: readonly { Info: { RunId: string; RunName: string; Status: string; StartTime: number }; Metrics: readonly { Key: string; Value: number | string }[] }[]): string {
  const keys = [...new Set(runs.flatMap((r) => r.Metrics.map((m) => m.Key)))].sort().slice(0, 6);
  const rows = [['RUN ID', 'NAME', 'STATUS', 'STARTED', ...keys]];
  for (const r of runs) {
    const m = new Map(r.Metrics.map((x) => [x.Key, x.Value]));
    rows.push([r.Info.RunId, r.Info.RunName, r.Info.Status, new Date(r.Info.StartTime).toISOString().slice(0, 19), ...keys.map((k) => (m.has(k) ? String(m.get(k)) : ''))]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/**
 * `loam runs …`: experiment runs from the terminal, with MLflow's filter grammar.
 *   loam runs list --experiment-id 1 --filter "metrics.rmse < 0.3" --order-by "metrics.rmse ASC"
 *   loam runs get <run-id>
 *   loam runs history <run-id> <metric-key>
 *   loam runs experiments [--filter "name LIKE 'churn%'"]
 */
export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('Experiment runs (the data MLflow clients log): list with filters, get, metric history.');
  const act = <A extends unknown[]>(fn: (client: LoamClient, json: boolean, ...a: A) => Promise<void>) => async (...a: A) => {
    const global = program.opts<ClientFlags & Json>();
    const local = (a.find((x) => x && typeof x === 'object' && !Array.isArray(x) && !('parent' in (x as object))) ?? {}) as Json;
    const json = Boolean(local.json ?? global.json);
    try {
      const s = clientSettings(global);
      await fn(createLoamClient({ endpoint: s.endpoint, token: s.token }), json, ...a);
    } catch (e) {
      printError(e, json);
      process.exitCode = 1;
    }
  };

  runs.command('list')
    .description("Search runs of experiments (filter: metrics., params., tags., attributes.; =, !=, <, <=, >, >=, LIKE, ILIKE, IN; AND).")
    .requiredOption('--experiment-id <ids...>', 'experiment ids (0 is Default)')
    .option('--filter <text>', "e.g. \"metrics.rmse < 0.3 AND params.lr = '0.01'\"")
    .option('--order-by <terms...>', 'e.g. "metrics.rmse ASC"')
    .option('--view <type>', 'ACTIVE_ONLY, DELETED_ONLY or ALL')
    .option('--max-results <n>', 'page size', '50')
    .option('--json', 'print JSON')
    .action(act(async (client, json, o: { experimentId: string[]; filter?: string; orderBy?: string[]; view?: 'ALL'; maxResults: string }) => {
      const out = await client.ListMlflowRuns({
        ExperimentIds: o.experimentId, MaxResults: wholeNumber(o.maxResults, '--max-results'),
        ...(o.filter ? { Filter: o.filter } : {}), ...(o.orderBy ? { OrderBy: o.orderBy } : {}), ...(o.view ? { ViewType: o.view } : {}),
      });
      if (json) printResult(out, true);
      else process.stdout.write(`${out.Runs.length ? runsTable(out.Runs) : '(no runs)'}\n${out.NextToken ? '(more: narrow the filter or raise --max-results)\n' : ''}`);
    }));

  runs.command('get <runId>').description('A run: info, latest metrics, params, tags, inputs.').option('--json', 'print JSON')
    .action(act(async (client, json, runId: string) => printResult((await client.GetMlflowRun({ RunId: runId })).Run, json)));

  // Every page (the server answers at most 25,000 points a request), each printed as it arrives, so a
  // history of millions of points is neither cut short nor held in memory.
  runs.command('history <runId> <metricKey>').description("Every point of one metric of a run, by step.").option('--json', 'print JSON')
    .action(act(async (client, json, runId: string, metricKey: string) => {
      let printed = 0;
      for await (const page of paginate(client.GetMlflowMetricHistory, { RunId: runId, MetricKey: metricKey })) {
        if (json) {
          // The document JSON.stringify({ Metrics }, null, 2) prints, one point at a time.
          for (const m of page.Metrics) process.stdout.write(`${printed++ === 0 ? '{\n  "Metrics": [\n' : ',\n'}${JSON.stringify(m, null, 2).replace(/^/gm, '    ')}`);
        } else {
          const lines = page.Metrics.map((m) => `${m.Step}\t${m.Value}\t${new Date(m.Timestamp).toISOString()}\n`);
          process.stdout.write(`${printed === 0 ? 'STEP\tVALUE\tTIMESTAMP\n' : ''}${lines.join('')}`);
          printed += lines.length;
        }
      }
      if (json) process.stdout.write(printed === 0 ? `${JSON.stringify({ Metrics: [] }, null, 2)}\n` : '\n  ]\n}\n');
      else if (printed === 0) process.stdout.write('STEP\tVALUE\tTIMESTAMP\n');
    }));

  runs.command('experiments').description('List experiments.').option('--filter <text>', "e.g. \"name LIKE 'churn%'\"").option('--json', 'print JSON')
    .action(act(async (client, json, o: { filter?: string }) => {
      const out = await client.ListMlflowExperiments({ ...(o.filter ? { Filter: o.filter } : {}) });
      if (json) printResult(out, true);
      else process.stdout.write(`${out.Experiments.map((e) => `${e.ExperimentId.padStart(4)}  ${e.LifecycleStage.padEnd(8)}  ${e.Name}`).join('\n') || '(no experiments)'}\n`);
    }));
}
