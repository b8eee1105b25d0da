import { resourcesFor, type DataAccess, type Operation } from '@loam/contracts';
import { InternalError, type ExperimentAccessAuthorizer, type Principal, type RequestContext } from '@loam/core';
import type { DataAccessAuthorizer, DataPresenceCheck } from './data-access-check.js';
import { validateInput } from './validate.js';
import { withAwsMemberPaths } from './service-error-paths.js';

/** Runs one operation for an authenticated caller. */
export type Handler = (input: never, ctx: RequestContext) => Promise<unknown>;

/**
 * Decides whether a principal may perform an IAM action on a resource; throws AccessDeniedException if not.
 * `scope: 'any'`: on some resource matching it, a trailing `*` standing for any ending (`Operation.answersOnlyAllowed`).
 */
export type Authorizer = (principal: Principal, action: string, resource: string, scope?: 'any') => Promise<void>;

export interface DispatcherDeps {
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly authorize: Authorizer;
  /** The caller's S3 permissions on each location the operation will read or write for them (`Operation.dataAccess`). */
  readonly authorizeData: DataAccessAuthorizer;
  /** Refuses an input that must hold objects and holds none (run once every location is authorized). */
  readonly checkDataPresence: DataPresenceCheck;
  /** The caller's MLflow permissions on each experiment the operation writes into for them, named by the input (`Operation.experimentAccess`). */
  readonly authorizeExperiment: ExperimentAccessAuthorizer;
  readonly partition: { readonly region: string; readonly accountId: string };
}

/**
 * The one path every transport takes into an operation: fill the caller default, authorize the IAM
 * action on the resource and on each further one it acts on (`alsoOn`; before validation, so a caller
 * without the right learns nothing about the input rules), validate the input, check the caller may read and write the S3 locations the request
 * names (Loam reads and writes them on their behalf) and that the inputs which must hold data do, check
 * the caller may log in the MLflow experiments it names (a training job's run), run the handler.
 */
export function createDispatcher(deps: DispatcherDeps) {
  return async function dispatch(op: Operation, rawInput: unknown, ctx: RequestContext): Promise<unknown> {
    let input = rawInput && typeof rawInput === 'object' && !Array.isArray(rawInput) ? { ...(rawInput as Record<string, unknown>) } : rawInput;
    if (op.callerField && input && typeof input === 'object' && (input as Record<string, unknown>)[op.callerField] === undefined) {
      (input as Record<string, unknown>)[op.callerField] = ctx.principal.userName;
    }
    for (const resource of resourcesFor(op, input, deps.partition)) {
      if (op.answersOnlyAllowed) await deps.authorize(ctx.principal, op.iamAction, resource, 'any');
      else await deps.authorize(ctx.principal, op.iamAction, resource);
    }
    input = validateInput(op, input ?? {});
    const handler = deps.handlers[op.name];
    if (!handler) throw new InternalError(`Operation ${op.name} has no handler.`);
    try {
      const checked = op.dataAccess ? await checkData(deps, op.dataAccess(input as never), ctx) : ctx;
      for (const access of op.experimentAccess?.(input as never) ?? []) await deps.authorizeExperiment(ctx.principal, access);
      return await handler(input as never, checked);
    } catch (e) {
      throw withAwsMemberPaths(op.input, e); // a service's own refusal names members as the schema errors do
    }
  };
}

/**
 * Checks each S3 location, then (all authorized) that each input which must hold data does; the
 * context the handler gets carries the manifest prefixes checked.
 */
async function checkData(deps: DispatcherDeps, accesses: readonly DataAccess[], ctx: RequestContext): Promise<RequestContext> {
  const checkedManifests = new Map<string, string>();
  for (const access of accesses) {
    const prefix = await deps.authorizeData(ctx.principal, access);
    if (access.manifest && prefix !== undefined) checkedManifests.set(access.uri, prefix);
  }
  for (const access of accesses) await deps.checkDataPresence(access);
  return checkedManifests.size > 0 ? { ...ctx, checkedManifests } : ctx;
}

export type Dispatch = ReturnType<typeof createDispatcher>;

/**
 * Builds the handler table from services whose methods are named after the operations they serve
 * (`IdentityService.CreateUser`, `TagService.AddTags`, …). An operation no service serves is left out;
 * the server refuses to start in that case (see `assertEveryOperationHandled`).
 */
export function bindHandlers(ops: readonly Operation[], services: readonly object[]): Record<string, Handler> {
  const out: Record<string, Handler> = {};
  for (const op of ops) {
    for (const s of services) {
      const fn = (s as Record<string, unknown>)[op.name];
      if (typeof fn === 'function') {
        out[op.name] = (fn as (...a: unknown[]) => Promise<unknown>).bind(s) as Handler;
        break;
      }
    }
  }
  return out;
}

export function assertEveryOperationHandled(ops: readonly Operation[], handlers: Readonly<Record<string, Handler>>): void {
  const missing = ops.filter((o) => !handlers[o.name]).map((o) => o.name);
  if (missing.length) throw new InternalError(`No handler for operation(s): ${missing.join(', ')}.`);
}
