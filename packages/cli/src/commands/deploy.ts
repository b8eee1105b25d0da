import type { Command } from 'commander';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { printError, printRecord, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';
import { envPairs } from '../env-pairs.js';
import { InputError, wholeNumber } from '../flags.js';
import { following, progressLine, sleep } from '../follow.js';

interface DeployFlags {
  model?: string;
  image?: string;
  modelData?: string;
  env?: string[];
  variant: string;
  instanceCount: string;
  instanceType: string;
  canary?: string;
  linear?: string;
  waitInterval: string;
  terminationWait: string;
  alarm?: string[];
  wait: boolean;
  json?: boolean;
}

function deploymentConfig(o: DeployFlags): Record<string, unknown> | undefined {
  const percent = (v: string, flag: string) => ({ Type: 'CAPACITY_PERCENT', Value: wholeNumber(v.replace(/%$/, ''), `${flag} (a percentage)`, { min: 1, max: 100 }) });
  const routing = o.canary ? { Type: 'CANARY', CanarySize: percent(o.canary, '--canary') } : o.linear ? { Type: 'LINEAR', LinearStepSize: percent(o.linear, '--linear') } : { Type: 'ALL_AT_ONCE' };
  return {
    BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { ...routing, WaitIntervalInSeconds: wholeNumber(o.waitInterval, '--wait-interval', { min: 0 }) }, TerminationWaitInSeconds: wholeNumber(o.terminationWait, '--termination-wait', { min: 0 }) },
    ...(o.alarm?.length ? { AutoRollbackConfiguration: { Alarms: o.alarm.map((AlarmName) => ({ AlarmName })) } } : {}),
  };
}

type Described = Awaited<ReturnType<LoamClient['DescribeEndpoint']>>;
type Variant = NonNullable<Described['ProductionVariants']>[number];

/** One progress line: the endpoint's status, the config being rolled out, and each variant's state. */
export function endpointProgress(d: Described): string {
  const pending = d.PendingDeploymentSummary;
  const variant = (v: Variant) => {
    const states = (v.VariantStatus ?? []).map((s) => `${s.Status}${s.StatusMessage ? ` (${s.StatusMessage})` : ''}`).join(', ');
    const count = v.CurrentInstanceCount !== undefined || v.DesiredInstanceCount !== undefined ? ` ${v.CurrentInstanceCount ?? 0}/${v.DesiredInstanceCount ?? '?'} instances` : '';
    const weight = v.CurrentWeight !== undefined ? ` weight ${v.CurrentWeight}` : '';
    return `${v.VariantName}${states ? `: ${states}` : ''}${count}${weight}`;
  };
  const variants = (pending?.ProductionVariants ?? d.ProductionVariants ?? []).map(variant).join('; ');
  return `${d.EndpointStatus}${pending ? ` → ${pending.EndpointConfigName}` : ''}${variants ? `  ${variants}` : ''}${d.FailureReason ? `: ${d.FailureReason}` : ''}`;
}

/** Polls until the endpoint leaves Creating/Updating/RollingBack, printing each change (a record with --json). */
async function waitInService(client: LoamClient, name: string, json: boolean): Promise<Described> {
  let last = '';
  for (;;) {
    const d = await client.DescribeEndpoint({ EndpointName: name });
    const line = endpointProgress(d);
    if (line !== last) {
      if (json) printRecord('status', { EndpointName: name, EndpointStatus: d.EndpointStatus, ...(d.PendingDeploymentSummary ? { PendingDeploymentSummary: d.PendingDeploymentSummary } : {}), ...(d.ProductionVariants ? { ProductionVariants: d.ProductionVariants } : {}), ...(d.FailureReason ? { FailureReason: d.FailureReason } : {}) });
      else process.stdout.write(progressLine(line));
      last = line;
    }
    if (!['Creating', 'Updating', 'RollingBack', 'SystemUpdating'].includes(d.EndpointStatus)) return d;
    await sleep(500);
  }
}

/**
 * `loam deploy <endpoint>`: model → endpoint config → endpoint in one step. Creates the endpoint, or
 * updates it blue/green (`--canary 10%`, `--linear 25%`, `--alarm <name>` for automatic rollback).
 *   loam deploy churn --image sagemaker-xgboost:1.7-1 --model-data s3://models/churn/output/model.tar.gz
 *   loam deploy churn --model churn-v2 --canary 10% --wait-interval 300 --alarm churn-5xx
 * Prints the model it created (or used) and the endpoint config first, then each status change until
 * InService, then the endpoint with ModelName added. With --json: JSON Lines — created, status…,
 * description (with --no-wait, the description as one JSON document).
 */
export function registerDeployCommand(program: Command): void {
  program.command('deploy <endpointName>')
    .description('Deploy a model to a real-time endpoint (create it, or update it blue/green).')
    .option('--model <name>', 'an existing model (else one is created from --image and --model-data)')
    .option('--image <uri>', 'container image: a built-in algorithm (sagemaker-xgboost, linear-learner, …), a framework image, or a process image')
    .option('--model-data <s3uri>', 'model.tar.gz in the artifact store')
    .option('--env <KEY=VALUE...>', 'container environment (e.g. SAGEMAKER_PROGRAM=inference.py)')
    .option('--variant <name>', 'variant name', 'AllTraffic')
    .option('--instance-count <n>', 'instances', '1')
    .option('--instance-type <type>', 'instance type (recorded)', 'ml.m5.large')
    .option('--canary <percent>', 'update: shift this share first, then the rest')
    .option('--linear <percent>', 'update: shift in steps of this share')
    .option('--wait-interval <seconds>', 'update: baking time after each step', '0')
    .option('--termination-wait <seconds>', 'update: keep the old fleet this long after the shift', '0')
    .option('--alarm <names...>', 'update: alarms that roll the update back')
    .option('--no-wait', 'return at once instead of waiting for InService')
    .option('--json', 'JSON Lines while waiting (created, status, description); the description with --no-wait')
    .action(async (endpointName: string, o: DeployFlags) => {
      const global = program.opts<ClientFlags & { json?: boolean }>();
      const json = Boolean(o.json ?? global.json);
      try {
        const instanceCount = wholeNumber(o.instanceCount, '--instance-count');
        const update = deploymentConfig(o);
        const s = clientSettings(global);
        const client = createLoamClient({ endpoint: s.endpoint, token: s.token });
        // What is there decides create or update, and is checked before a model or config is created for it.
        const current = await client.DescribeEndpoint({ EndpointName: endpointName }).catch((e: { code?: string }) => {
          if (e.code === 'ResourceNotFound') return undefined;
          throw e;
        });
        if (current?.EndpointStatus === 'Failed') {
          throw new InputError(`Endpoint '${endpointName}' is Failed${current.FailureReason ? ` (${current.FailureReason})` : ''}: a failed endpoint cannot be updated. Delete it (loam delete-endpoint --endpoint-name ${endpointName}) and deploy again.`);
        }
        if (current && ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'].includes(current.EndpointStatus)) {
          throw new InputError(`Endpoint '${endpointName}' is ${current.EndpointStatus}: deploy again once it is InService (loam describe-endpoint --endpoint-name ${endpointName}).`);
        }
        const exists = current !== undefined;
        const stamp = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
        let modelName = o.model;
        if (!modelName) {
          if (!o.image) throw new InputError('Give --model <existing model>, or --image (and --model-data) to create one.');
          modelName = `${endpointName}-${stamp}`;
          await client.CreateModel({ ModelName: modelName, PrimaryContainer: { Image: o.image, ...(o.modelData ? { ModelDataUrl: o.modelData } : {}), Environment: envPairs(o.env) } });
        }
        const configName = `${endpointName}-${stamp}`;
        await client.CreateEndpointConfig({
          EndpointConfigName: configName,
          ProductionVariants: [{ VariantName: o.variant, ModelName: modelName, InitialInstanceCount: instanceCount, InstanceType: o.instanceType }],
        });
        if (exists) await client.UpdateEndpoint({ EndpointName: endpointName, EndpointConfigName: configName, DeploymentConfig: update as never });
        else await client.CreateEndpoint({ EndpointName: endpointName, EndpointConfigName: configName });
        const created = { EndpointName: endpointName, ModelName: modelName, EndpointConfigName: configName, Action: exists ? 'update' : 'create' };
        if (json && o.wait) printRecord('created', created);
        else if (!json) process.stdout.write(`model: ${modelName}${o.model ? '' : ' (created)'}\nendpoint config: ${configName}\n${exists ? 'updating' : 'creating'} endpoint ${endpointName}\n`);
        const described = o.wait
          ? await following(exists ? `update of endpoint ${endpointName}` : `creation of endpoint ${endpointName}`, `loam delete-endpoint --endpoint-name ${endpointName}`, () => waitInService(client, endpointName, json), ` (that deletes the endpoint; watch it instead: loam describe-endpoint --endpoint-name ${endpointName})`)
          : await client.DescribeEndpoint({ EndpointName: endpointName });
        const result = { ...described, ModelName: modelName };
        if (json && o.wait) printRecord('description', result);
        else printResult(result, json);
        if (described.EndpointStatus === 'Failed') process.exitCode = 1;
      } catch (e) {
        printError(e, json);
        process.exitCode = 1;
      }
    });
}
