import type { FieldSpec } from './fields.js';
import { labelFor } from './labels.js';
import { validateField, type FormValues } from './validate.js';

/** An error as Studio shows it: what happened, which fields, and what to do about it. */
export interface UserFacingError {
  readonly title: string;
  readonly detail: string;
  /** Messages to show next to fields, by top-level input member name. */
  readonly fields: Readonly<Record<string, string>>;
  readonly action: string;
  readonly code: string;
  readonly requestId?: string;
}

interface ApiErrorLike {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly status?: number;
  readonly fields?: readonly { path: string; message: string }[];
  readonly requestId?: string;
}

const titles: Readonly<Record<string, string>> = {
  ValidationException: 'Some input needs fixing',
  ResourceNotFound: 'Not found',
  ResourceInUse: 'Already exists or in use',
  ResourceLimitExceeded: 'Limit reached',
  ConflictException: 'Changed by someone else',
  AccessDeniedException: 'Not allowed',
  UnrecognizedClientException: 'Signed out',
  MissingAuthenticationTokenException: 'Signed out',
  ThrottlingException: 'Too many requests',
  PayloadTooLargeException: 'Too large',
  InternalFailure: 'Loam hit an internal error',
  ServiceUnavailable: 'Loam is unavailable',
  LoamConnectionError: 'Cannot reach Loam',
};

/** The permission an AccessDenied message names, as Loam (and AWS) words it. */
export interface DeniedPermission {
  readonly action: string;
  readonly resource?: string;
  readonly explicitDeny: boolean;
}

/**
 * Reads `User: <arn> is not authorized to perform: <action> on resource: <resource>[ with an explicit deny][ (why)]`
 * (the authorizer's words; other refusals name the action and then say something else, e.g. `on artifact path …`):
 * the action and, when the message has it in that form, the resource. Undefined when no action is named.
 */
export function deniedPermission(message: string | undefined): DeniedPermission | undefined {
  const m = /\bis not authorized to perform:\s*([A-Za-z0-9-]+:[A-Za-z0-9*?]+)/.exec(message ?? '');
  if (!m) return undefined;
  const rest = (message ?? '').slice(m.index + m[0].length);
  const on = /^\s+on resource:\s*(?=\S)/.exec(rest);
  if (!on) return { action: m[1] as string, explicitDeny: false };
  const tail = rest.slice(on[0].length);
  // Loam adds its explanation after the authorizer's words: ` (<field>: why)`, the field a JSON pointer, a dotted
  // path or one holding its own parentheses (`/Containers/0/ModelPackageName (churn/1)`), or a sentence
  // (`… Deleting experiment 3 deletes its runs too.`). Only an S3 object's key holds spaces (and parentheses), so
  // any other resource ends at the first space; an S3 one at ` with an explicit deny` or the parenthesized
  // explanation, else at the end.
  const r = /^arn:[^:\s]*:s3:/.test(tail)
    ? /^(.*?)(\s+with an explicit deny)?(?:\s+\((?:[^()]|\([^()]*\))*?: .*\))?\.?$/s.exec(tail)
    : /^(\S+)(\s+with an explicit deny\b)?/.exec(tail);
  return { action: m[1] as string, ...(r ? { resource: r[1] as string } : {}), explicitDeny: Boolean(r?.[2]) };
}

/** What to do about an AccessDenied: the permission the server named, else the one the page calls, else the server's words. */
function deniedAction(message: string | undefined, iamAction: string | undefined): string {
  const named = deniedPermission(message);
  if (named) {
    const on = named.resource ? ` on ${named.resource}` : '';
    return named.explicitDeny
      ? `A policy denies ${named.action}${on} to your user, and no allow overrides a deny: ask an administrator to lift it.`
      : `Ask an administrator to attach a policy that allows ${named.action}${on} to your user.`;
  }
  if (iamAction) return `Ask an administrator to attach a policy that allows ${iamAction} to your user.`;
  const said = message?.replace(/^User: \S+ /, '').trim();
  return said ? `Ask an administrator for a policy that allows what Loam refused (${said.replace(/[.]$/, '')}).` : 'Ask an administrator for a policy that allows this.';
}

function actionFor(code: string, iamAction: string | undefined, requestId: string | undefined, message: string | undefined): string {
  switch (code) {
    case 'ValidationException':
      return 'Correct the highlighted fields and submit again.';
    case 'ResourceInUse':
      return 'Choose another name, or open the existing one; if it is in use, detach or delete what uses it first.';
    case 'ResourceNotFound':
      return 'It may have been deleted or renamed: go back to the list and refresh.';
    case 'ResourceLimitExceeded':
      return 'Delete one you no longer use, then try again.';
    case 'ConflictException':
      return 'Reload to see the latest version, then make your change again.';
    case 'AccessDeniedException':
      return deniedAction(message, iamAction);
    case 'UnrecognizedClientException':
    case 'MissingAuthenticationTokenException':
      return 'Your session has ended. Get a new sign-in link with `npx loam login-link` and open it.';
    case 'ThrottlingException':
      return 'Wait a few seconds and try again.';
    case 'PayloadTooLargeException':
      return 'Send less at once (shorter text or fewer items).';
    case 'LoamConnectionError':
      return 'Check that `loam up` is still running, then retry.';
    default:
      return requestId ? `Try again; if it keeps failing, the server log has the details under request id ${requestId}.` : 'Try again; if it keeps failing, check the server log.';
  }
}

/** `/Tags/0/Key` → `Tags`; `/` or empty → undefined. */
export function topField(path: string): string | undefined {
  const seg = path.split('/').filter(Boolean)[0];
  return seg ? seg.replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
}

/** `/Tags/0/Key` → `Tag 1 key: ` — which item of a list field the message is about; empty for the field itself. */
function where(path: string): string {
  const segs = path.split('/').filter(Boolean);
  const field = segs[0];
  const index = segs[1] !== undefined && /^\d+$/.test(segs[1]) ? Number(segs[1]) : undefined;
  if (!field || index === undefined) return '';
  const sub = segs[2] ? ` ${labelFor(segs[2]).toLowerCase()}` : '';
  return `${labelFor(field).replace(/s$/, '')} ${index + 1}${sub}: `;
}

function sentence(s: string): string {
  const t = s.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

/**
 * Turns anything an operation call threw into what a person needs: the server's per-field messages
 * (problem+json `errors[].path`) placed on the form's fields — reworded from the schema when Studio can
 * say it better — and one sentence on what to do next.
 */
export function toUserFacingError(
  e: unknown,
  context: { iamAction?: string; fields?: readonly FieldSpec[]; values?: FormValues; kind?: string } = {},
): UserFacingError {
  const a = (e ?? {}) as ApiErrorLike;
  const code = a.code ?? (a.name === 'LoamConnectionError' ? 'LoamConnectionError' : 'InternalFailure');
  const specs = new Map((context.fields ?? []).map((f) => [f.name, f]));
  const fields: Record<string, string> = {};
  for (const fe of a.fields ?? []) {
    const name = topField(fe.path);
    if (!name || fields[name]) continue;
    const spec = specs.get(name);
    const better = spec && context.values ? validateField(spec, context.values[name]) : undefined;
    fields[name] = better ?? `${where(fe.path)}${sentence(fe.message)}`;
  }
  // "User 'ana' already exists." belongs next to the name the user typed.
  if (code === 'ResourceInUse' && context.kind === 'create' && Object.keys(fields).length === 0) {
    const nameField = (context.fields ?? []).find((f) => f.required && f.name.endsWith('Name'));
    if (nameField && a.message) fields[nameField.name] = `${sentence(a.message)} Choose another name.`;
  }
  const detail = a.message ?? 'Something went wrong.';
  return {
    title: titles[code] ?? code,
    detail,
    fields,
    action: actionFor(code, context.iamAction, a.requestId, a.message),
    code,
    ...(a.requestId ? { requestId: a.requestId } : {}),
  };
}
