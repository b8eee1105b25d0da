import type { Static, TSchema } from '@sinclair/typebox';
import type { AwsService } from './aws-services.js';
import type { DataAccess } from './data-access.js';
import type { ErrorCode } from './errors.js';
import type { ExperimentAccess } from './experiment-access.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How an operation is reached over Loam's REST API. `{Field}` segments in the path are taken from the
 * input field of that name; for GET and DELETE the other fields travel in the query string, otherwise
 * in a JSON body.
 */
export interface RestBinding {
  readonly method: HttpMethod;
  readonly path: string;
}

/** What an operation does to its resource; Studio and the CLI use it to pick forms, lists and confirmations. */
export type OperationKind = 'create' | 'describe' | 'list' | 'update' | 'delete' | 'action';

/**
 * One operation, declared once. Every transport (REST, AWS JSON 1.1), the OpenAPI document, the SDK,
 * the CLI and Studio are derived from these declarations.
 */
export interface Operation<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** SageMaker's action name where one exists (`AddTags`), else a Loam name in the same style. */
  readonly name: string;
  /** One sentence for docs, `--help` and Studio. */
  readonly summary: string;
  /** The capability folder that owns it, e.g. `identity`, `tags`; groups OpenAPI tags and Studio navigation. */
  readonly capability: string;
  readonly kind: OperationKind;
  readonly input: I;
  readonly output: O;
  /** The errors the handler may return besides the ones every operation may (auth, throttling, internal). */
  readonly errors: readonly ErrorCode[];
  /** The IAM action checked before the handler runs, e.g. `sagemaker:AddTags`, `iam:CreateUser`. */
  readonly iamAction: string;
  /**
   * The resource the action is on, as an ARN template with `{Region}`, `{Account}` and `{InputField}`
   * placeholders; `*` when the action is not on one resource (lists, creates of account-wide things).
   */
  readonly resource: string;
  /**
   * Further resources the same action is checked on, as templates like `resource`; each must be allowed
   * (AddAssociation acts on both its ends, so a caller must be allowed on the destination too).
   */
  readonly alsoOn?: readonly string[];
  /**
   * What authorization adds to `iamAction` on `resource`, as a sentence for the docs: a further action
   * checked only in some cases (and when), or an answer narrowed to what the caller may read.
   */
  readonly authorizationNote?: string;
  /**
   * The handler answers only the resources the caller may act on, each checked on its own ARN (a list whose
   * action is checked per resource: CloudWatch's DescribeAlarms on `alarm:*`, Application Auto Scaling's
   * Describe* on the SageMaker endpoint each target belongs to): the dispatcher then asks only
   * that the caller may act on some resource the request can answer — `resource`, a trailing `*` standing for
   * any ending — not on every one, so a policy on `alarm:team-*` lists the team's alarms. A Deny on all of
   * them refuses the request.
   */
  readonly answersOnlyAllowed?: boolean;
  /**
   * Placeholder values the input holds inside another field (Application Auto Scaling's ResourceId
   * `endpoint/<name>/variant/<variant>` names an endpoint). Called with the input before validation, so it
   * must take anything; a value it cannot find is left out and its placeholder becomes `*`.
   */
  resourceNames?(input: Readonly<Record<string, unknown>>): Readonly<Record<string, string | undefined>>;
  readonly rest: RestBinding;
  /** Exposed on an AWS protocol: as `SageMaker.<name>`, or as `awsService` says (true for AWS's own actions). */
  readonly aws: boolean;
  /** The AWS service whose protocol serves it when `aws` is set; SageMaker's when unset. */
  readonly awsService?: AwsService;
  /** Input fields that name a path or object key; the security tests throw traversal encodings at them. */
  readonly pathFields?: readonly string[];
  /** An optional input field that means "the calling user" when absent (filled before authorization). */
  readonly callerField?: string;
  /**
   * Where SageMaker's AWS protocol answers `ValidationException` ("Could not find …") for a missing
   * resource instead of `ResourceNotFound` (DescribeEndpoint, DescribeEndpointConfig, DescribeModel, …):
   * the SDKs' EndpointDeleted waiter succeeds on that code. REST keeps ResourceNotFound (404). A string is
   * the words SageMaker's message starts with instead of "Could not find" (DescribeTrainingJob's
   * "Requested resource not found.", which clients match), followed by Loam's own message.
   */
  readonly awsNotFoundIsValidation?: boolean | string;
  /**
   * Where SageMaker answers a name already taken with `ValidationException` ("Cannot create already
   * existing model …") instead of `ResourceInUse` (CreateModel, CreateEndpointConfig, CreateEndpoint): the
   * SageMaker Python SDK reuses an existing model on exactly that answer. REST keeps ResourceInUse (409).
   */
  readonly awsInUseIsValidation?: boolean;
  /** Largest request body accepted, in bytes; the server default applies when unset. */
  readonly bodyLimit?: number;
  /**
   * The S3 locations the request makes Loam read or write for the caller (from the validated input):
   * the caller must be allowed `s3:GetObject` / `s3:PutObject` … there, as if doing it themselves.
   */
  dataAccess?(input: Static<I>): readonly DataAccess[];
  /**
   * The MLflow experiments, named in the input, the request makes Loam write into for the caller (a
   * training job's run): the caller must be allowed there what the run does, as if logging it themselves.
   */
  experimentAccess?(input: Static<I>): readonly ExperimentAccess[];
}

export type InputOf<Op> = Op extends Operation<infer I, TSchema> ? Static<I> : never;
export type OutputOf<Op> = Op extends Operation<TSchema, infer O> ? Static<O> : never;

/** Declares an operation, keeping its literal types for the SDK's typed methods. */
export function defineOperation<const N extends string, I extends TSchema, O extends TSchema>(
  op: Operation<I, O> & { readonly name: N },
): Operation<I, O> & { readonly name: N } {
  return Object.freeze(op);
}

/** The path parameters of a REST path: `/api/v1/users/{UserName}` → `['UserName']`. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9]+)\}/g)].map((m) => m[1] as string);
}

/** `arn:<partition>:<service>:<region>:<account>:<kind>/<name>`. */
const ARN = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{0,12}):([a-z0-9-]+)\/(.+)$/i;

/**
 * A SageMaker resource's name as its ARN holds it: ASCII letters lower-cased, every other character as given.
 * SageMaker's names are ASCII and unique in any letter case; an MLflow experiment's name (ADR 0009) may hold any
 * letter, and Loam keeps experiment, trial and component names unique under this folding only (SQL's lower() in
 * the "C" collation), so `Été` and `été` are two experiments and need two ARNs: lower-casing `É` too gave them one,
 * and the ARN of `Été` named nothing.
 */
export const sageMakerArnName = (name: string): string => name.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/**
 * Fills an ARN template from the partition and the input; unknown placeholders become `*`. The
 * resource is the one the handler will act on, so a policy says the same thing whichever way the
 * request names it. SageMaker's names are case-insensitive (Loam finds `MyJob` as `myjob`) and the ARNs
 * it answers with are lower-case, so in a SageMaker ARN the name is lower-cased (`sageMakerArnName`) — otherwise
 * `PROTECTED-1` would slip past a Deny on `protected-*`. A name field given as an ARN (SageMaker accepts
 * `ModelPackageName` as a name or an ARN) contributes its name part, not the ARN pasted into the
 * template; a field that is the whole resource (`{ResourceArn}`) is used in Loam's form (partition
 * `loam`, this region and account, name lower-cased), since the handler finds the resource whatever
 * partition or region the ARN names.
 */
export function resourceFor(op: Operation, input: unknown, partition: { region: string; accountId: string }): string {
  return fillResource(op, op.resource, input, partition);
}

/** Every resource the operation's action is checked on: {@link resourceFor}, then each of `alsoOn`. */
export function resourcesFor(op: Operation, input: unknown, partition: { region: string; accountId: string }): string[] {
  return [op.resource, ...(op.alsoOn ?? [])].map((t) => fillResource(op, t, input, partition));
}

function fillResource(op: Operation, template: string, input: unknown, partition: { region: string; accountId: string }): string {
  const given = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const fields = op.resourceNames ? { ...given, ...op.resourceNames(given) } : given;
  const sagemaker = template.startsWith('arn:loam:sagemaker:');
  return template.replace(/\{([A-Za-z0-9]+)\}/g, (whole: string, k: string) => {
    if (k === 'Region') return partition.region;
    if (k === 'Account') return partition.accountId;
    const v = fields[k];
    if (typeof v !== 'string' || v.length === 0) return '*';
    const arn = ARN.exec(v);
    if (whole === template) {
      if (!arn || (arn[2] as string).toLowerCase() !== 'sagemaker') return v;
      // Loam's own region and account: the handler finds the resource by name in this partition whatever
      // region the ARN gives (`arn:loam:sagemaker::<account>:…` too), and refuses other accounts anyway.
      return `arn:loam:sagemaker:${partition.region}:${partition.accountId}:${(arn[5] as string).toLowerCase()}/${sageMakerArnName(arn[6] as string)}`;
    }
    const named = arn ? (arn[6] as string) : v;
    return sagemaker ? sageMakerArnName(named) : named;
  });
}
