import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';
import { printError } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';

/**
 * `loam demo [--json]`: the whole lifecycle on a running server — import and profile a dataset, prepare
 * it with a flow, train and tune the built-in XGBoost, register, approve, deploy, invoke, batch-score.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the guided tour: dataset → flow → training → tuning → registry → endpoint → batch transform.')
    .option('--json', 'one JSON record per step')
    .option('--dataset-file <csv>', 'CSV to import (default: the shipped datasets/tabular/breast_cancer.csv)')
    .action(async (o: { datasetFile?: string; json?: boolean }) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      try {
        const s = clientSettings(global);
        await runDemo({ endpoint: s.endpoint, token: s.token, json: Boolean(global.json || o.json), ...(o.datasetFile ? { datasetFile: o.datasetFile } : {}) });
      } catch (e) {
        printError(e, Boolean(global.json || o.json));
        process.exitCode = 1;
      }
    });
}
