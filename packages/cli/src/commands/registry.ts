import type { Command } from 'commander';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { printError, printResult } from '../output.js';
import { clientSettings, type ClientFlags } from '../settings.js';

type Flags = ClientFlags & { json?: boolean };

async function run(program: Command, local: { json?: boolean }, fn: (client: LoamClient) => Promise<unknown>): Promise<void> {
  const global = program.opts<Flags>();
  const json = Boolean(local.json ?? global.json);
  try {
    const s = clientSettings(global);
    printResult(await fn(createLoamClient({ endpoint: s.endpoint, token: s.token })), json);
  } catch (e) {
    printError(e, json);
    process.exitCode = 1;
  }
}

/** A group that does not exist is ResourceNotFound (exit 1), not an empty list. */
async function requireGroup(c: LoamClient, group: string): Promise<void> {
  await c.DescribeModelPackageGroup({ ModelPackageGroupName: group });
}

/** Every page of a list, following NextToken. */
async function allPages<T>(page: (token: string | undefined) => Promise<{ items: readonly T[]; next?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.next;
  } while (token);
  return out;
}

/**
 * `loam registry versions <group>` (every version, newest first, paging through all), `loam registry approve|reject
 * <package> [--comment …]` (the caller is recorded as approver), `loam registry history <group>`.
 *   loam registry approve churn/3 --comment "AUC 0.91 on the holdout"
 */
export function registerRegistryCommand(program: Command): void {
  const registry = program.command('registry').description('The Model Registry: versions, approval and its history.');
  registry.command('versions <group>')
    .description('List a model group\'s versions, newest first.')
    .option('--status <status>', 'only Approved | Rejected | PendingManualApproval')
    .option('--json', 'print JSON')
    .action((group: string, o: { status?: string; json?: boolean }) => run(program, o, async (c) => {
      await requireGroup(c, group);
      const list = await allPages(async (token) => {
        const r = await c.ListModelPackages({ ModelPackageGroupName: group, MaxResults: 100, ...(o.status ? { ModelApprovalStatus: o.status as never } : {}), ...(token ? { NextToken: token } : {}) });
        return { items: r.ModelPackageSummaryList, next: r.NextToken };
      });
      return (list as { ModelPackageVersion?: number; ModelApprovalStatus?: string; CreationTime: number; ModelPackageDescription?: string; ModelPackageArn: string }[])
        .map((p) => ({ Version: p.ModelPackageVersion, Status: p.ModelApprovalStatus, Created: new Date(p.CreationTime * 1000).toISOString(), Description: p.ModelPackageDescription ?? '', Arn: p.ModelPackageArn }));
    }));
  for (const [verb, status] of [['approve', 'Approved'], ['reject', 'Rejected']] as const) {
    registry.command(`${verb} <package>`)
      .description(`${verb === 'approve' ? 'Approve' : 'Reject'} a version (<group>/<version> or its ARN).`)
      .option('--comment <text>', 'ApprovalDescription')
      .option('--json', 'print JSON')
      .action((pkg: string, o: { comment?: string; json?: boolean }) => run(program, o, async (c) => {
        const arn = pkg.startsWith('arn:') ? pkg : ((await c.DescribeModelPackage({ ModelPackageName: pkg })) as { ModelPackageArn: string }).ModelPackageArn;
        await c.UpdateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: status, ...(o.comment ? { ApprovalDescription: o.comment } : {}) });
        const d = (await c.DescribeModelPackage({ ModelPackageName: arn })) as Record<string, unknown>;
        return { ModelPackageArn: arn, ModelApprovalStatus: d['ModelApprovalStatus'], ApprovalDescription: d['ApprovalDescription'], ApprovedBy: (d['LastModifiedBy'] as { UserProfileName?: string } | undefined)?.UserProfileName };
      }));
  }
  registry.command('history <group>')
    .description('Approval changes of a group\'s versions, oldest first.')
    .option('--json', 'print JSON')
    .action((group: string, o: { json?: boolean }) => run(program, o, async (c) => {
      await requireGroup(c, group);
      const events = await allPages(async (token) => {
        const r = await c.ListModelPackageEvents({ ModelPackageGroupName: group, MaxResults: 100, ...(token ? { NextToken: token } : {}) });
        return { items: r.Events, next: r.NextToken };
      });
      return (events as { Time: number; ModelPackageVersion?: number; PreviousApprovalStatus?: string; ModelApprovalStatus: string; ApprovalDescription?: string; ChangedBy: { UserProfileName?: string } }[])
        .map((e) => ({ Time: new Date(e.Time * 1000).toISOString(), Version: e.ModelPackageVersion, From: e.PreviousApprovalStatus ?? '-', To: e.ModelApprovalStatus, By: e.ChangedBy.UserProfileName ?? '', Comment: e.ApprovalDescription ?? '' }));
    }));
}
