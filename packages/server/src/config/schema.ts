import { Type, type Static, type TSchema } from '@sinclair/typebox';

// Options Loam adds to TypeBox schemas (TypeBox keeps unknown options on the schema object):
// - `secret`: 'value' redacts the whole value, 'url' redacts the password of a URL; a secret's value is
//   never printed in an error.
// - `path`: the string is a filesystem path, resolved to absolute against `cwd` or the data directory.
// - `mustBe`: the phrase used in errors instead of TypeBox's generic one ("must be <mustBe>").
// - `discriminator` / `defaultType` on a union of backend branches: read `type` first, validate one branch.

/** Options a config schema node may carry besides TypeBox's own. */
export interface LoamSchemaOptions {
  readonly secret?: 'value' | 'url';
  readonly path?: 'cwd' | 'dataDir';
  readonly mustBe?: string;
  readonly discriminator?: 'type';
  readonly defaultType?: string;
}

const closed = { additionalProperties: false } as const;

const port = Type.Integer({ minimum: 0, maximum: 65535, default: 7717 });

/** `server`: how and where the HTTP server listens. */
export const ServerSchema = Type.Object({
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  port,
  allowedHosts: Type.Array(Type.String({ minLength: 1 }), {
    minItems: 1,
    default: ['localhost', '127.0.0.1', '[::1]'],
  }),
  bodyLimitBytes: Type.Integer({ minimum: 1, default: 10 * 1024 * 1024 }),
  publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', mustBe: 'an http:// or https:// URL' })),
  trustProxy: Type.Boolean({ default: false }),
  /**
   * Extra processes answering InvokeEndpoint for built-in models on the same port (ADR 0015): 0 serves
   * everything from the main process; N > 0 spreads invocation connections over it and N workers.
   */
  servingWorkers: Type.Integer({ minimum: 0, maximum: 64, default: 0 }),
  /**
   * InvokeEndpoint's plain HTTP/1.1 requests read and answered on the connection, before Node's HTTP
   * server (ADR 0016); false sends every request through Node's server.
   */
  invocationLane: Type.Boolean({ default: true }),
}, closed);

const SqliteMetadata = Type.Object({
  type: Type.Literal('sqlite'),
  // ':memory:' passes through unresolved: it is SQLite's name for an in-memory database.
  path: Type.String({ minLength: 1, default: 'loam.db', path: 'dataDir' }),
}, closed);

const PostgresMetadata = Type.Object({
  type: Type.Literal('postgres'),
  url: Type.String({ pattern: '^postgres(ql)?://', secret: 'url', mustBe: 'a postgres:// or postgresql:// URL' }),
  schema: Type.String({ minLength: 1, default: 'public' }),
  poolSize: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  // How long PostgreSQL lets one statement run (or a transaction sit idle) before cancelling it; 0 lifts it.
  // Migrations run without it.
  statementTimeoutMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 60_000 }),
  // How long a statement waits for an answer before the store checks that PostgreSQL answers a fresh
  // connection; when that check waits as long in vain, the statements waiting fail with 503. At least 1 s:
  // a fresh connection to a loaded but live server can take hundreds of ms, which must not read as silence.
  answerTimeoutMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 5_000 }),
}, closed);

const MemoryMetadata = Type.Object({ type: Type.Literal('memory') }, closed);

/** `metadata`: the MetadataStore backend, chosen by `type`. */
export const MetadataSchema = Type.Union([SqliteMetadata, PostgresMetadata, MemoryMetadata], {
  discriminator: 'type',
  defaultType: 'sqlite',
});

// How long a client of an object's body (S3 API GetObject, an MLflow artifact download) may take no byte of it before
// Loam cuts its answer off. Node sees a client's reading only when the kernel takes more of the answer into the
// connection's send buffer (up to 4 MB on Linux), which it does once about a third of it has drained: a client must
// read up to about 1 MB per limit to be seen reading (about 9 KB/s at 120 s, 70 KB/s at 15 s), and a slower one is cut
// off as a stalled one.
// At most a day: Node's timers take no more than 2^31 - 1 ms (a longer one fires at once).
const stalledClientTimeoutMs = { minimum: 1, maximum: 86_400_000, mustBe: 'a whole number of milliseconds from 1 to 86400000' } as const;

const LocalArtifacts = Type.Object({
  type: Type.Literal('local'),
  root: Type.String({ minLength: 1, default: 'artifacts', path: 'dataDir' }),
  /**
   * How long a client of an object's body may take no byte of it before its answer is cut off, closing the object's
   * file (a stalled client held an open file for as long as it kept the connection).
   */
  stalledClientTimeoutMs: Type.Integer({ ...stalledClientTimeoutMs, default: 120_000 }),
}, closed);

const S3Artifacts = Type.Object({
  type: Type.Literal('s3'),
  endpoint: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', mustBe: 'an http:// or https:// URL' })),
  region: Type.Optional(Type.String({ minLength: 1 })),
  accessKeyId: Type.Optional(Type.String({ minLength: 1 })),
  secretAccessKey: Type.Optional(Type.String({ minLength: 1, secret: 'value' })),
  forcePathStyle: Type.Boolean({ default: true }),
  // A hung backend fails after maxAttempts × (connectTimeoutMs + idleTimeoutMs) at most: 40 s at the defaults, within
  // the 60 s boto3 waits for a byte, so Loam's clients get Loam's 503 naming the backend rather than their own timeout;
  // with every connection of the pool busy, each attempt may first wait up to socketWaitTimeoutMs (50 s in all).
  /** How long a new connection to the backend may take to open. */
  connectTimeoutMs: Type.Integer({ minimum: 1, default: 5_000 }),
  /**
   * How long a request may wait for one of the pool's connections when all maxSockets are busy: then it fails with a
   * 503 saying the pool was full (raise maxSockets, or find what holds the connections), not that the backend is down.
   */
  socketWaitTimeoutMs: Type.Integer({ minimum: 1, default: 5_000, mustBe: 'a whole number of milliseconds, at least 1' }),
  /**
   * How long a request may wait with no byte moving (a hung backend): then it fails with a 503 naming the backend. Also
   * stalledClientTimeoutMs when that is not set. Above the 10 s between the spaces MinIO sends while it completes a
   * multipart upload.
   */
  idleTimeoutMs: Type.Integer({ minimum: 1, default: 15_000 }),
  /**
   * How long a client of an object's body may take no byte of it before its answer is cut off, freeing the backend
   * connection it holds (a few stalled clients took the whole pool); idleTimeoutMs when not set. Kept short by default,
   * so a client reading less than about 70 KB/s may be cut off too: raise it for slow clients.
   */
  stalledClientTimeoutMs: Type.Optional(Type.Integer(stalledClientTimeoutMs)),
  /** How many times a request to the backend is tried. */
  maxAttempts: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  /** How many connections to the backend Loam opens at most; more requests wait for one (socketWaitTimeoutMs). */
  maxSockets: Type.Integer({ minimum: 1, default: 50 }),
}, closed);

/** `artifacts`: the ArtifactStore backend, chosen by `type`. */
export const ArtifactsSchema = Type.Union([LocalArtifacts, S3Artifacts], {
  discriminator: 'type',
  defaultType: 'local',
});

const LocalExecutor = Type.Object({
  type: Type.Literal('local'),
  maxConcurrentJobs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** StopTrainingJob / MaxRuntimeInSeconds: SIGTERM, then SIGKILL after this many seconds (SageMaker: 120). */
  stopGraceSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 120 }),
  workDir: Type.String({ minLength: 1, default: 'jobs', path: 'dataDir' }),
  /**
   * `required` (default): user code runs in the sandbox of ADR 0018, and a root Loam that cannot build
   * it refuses user code. `off`: user code runs as Loam's own user with host paths — for a machine (a
   * container without CAP_SYS_ADMIN) that cannot sandbox and whose operator accepts that every job can
   * read the data directory; Loam warns at start.
   */
  sandbox: Type.Union([Type.Literal('required'), Type.Literal('off')], { default: 'required' }),
}, closed);

/** `executor`: the JobExecutor backend, chosen by `type` (`kubernetes` joins later). */
export const ExecutorSchema = Type.Union([LocalExecutor], { discriminator: 'type', defaultType: 'local' });

/** `auth`: lifetimes of Studio sessions and one-time login links. */
export const AuthSchema = Type.Object({
  sessionTtlSeconds: Type.Integer({ minimum: 1, default: 43200 }),
  loginLinkTtlSeconds: Type.Integer({ minimum: 1, default: 900 }),
}, closed);

export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `log`: the server log level (pino's levels). */
export const LogSchema = Type.Object({
  level: Type.Union(LogLevels.map((l) => Type.Literal(l)), { default: 'info' }),
}, closed);

/** A process image declared in config: a command run with `shell: false`. */
export const ProcessImageSchema = Type.Object({
  command: Type.String({ minLength: 1 }),
  args: Type.Optional(Type.Array(Type.String())),
  env: Type.Optional(Type.Record(Type.String(), Type.String())),
}, closed);

/** `images`: the Python interpreter for script mode and the process images declared by name. */
export const ImagesSchema = Type.Object({
  python: Type.String({ minLength: 1, default: '/usr/bin/python3' }),
  process: Type.Record(Type.String(), ProcessImageSchema, { default: {} }),
}, closed);

/**
 * `dataEngine`: the embedded DuckDB that imports, profiles and previews datasets and runs flows.
 * `memoryLimit` caps its memory (a size such as 1GB or 512MiB, or a share of RAM such as 25%;
 * default 1GB); past it DuckDB spills to `<data-dir>/datasets-work/spill`. `previewTimeoutSeconds`:
 * how long a flow preview may run before its query is interrupted (default 30). `stagingCacheSize`:
 * how much disk the local copies of dataset versions DuckDB reads (`<data-dir>/datasets-work/cache`)
 * may take (default 10GB); past it the least recently used copies not being read are removed.
 */
export const DataEngineSchema = Type.Object({
  memoryLimit: Type.String({
    pattern: '^\\s*\\d+(\\.\\d+)?\\s*([KMGT]i?B|B|%)\\s*$', default: '1GB',
    mustBe: 'a size such as 1GB or 512MiB, or a share of RAM such as 25%',
  }),
  stagingCacheSize: Type.String({
    pattern: '^\\s*\\d+(\\.\\d+)?\\s*([KMGT]i?B|B)\\s*$', default: '10GB',
    mustBe: 'a size such as 10GB or 512MiB',
  }),
  previewTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
}, closed);

/** The whole Loam configuration. Every section has defaults, so `{}` is a valid input. */
export const ConfigSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, default: './.loam', path: 'cwd' }),
  server: ServerSchema,
  region: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', default: 'us-east-1', mustBe: 'a region name such as us-east-1' }),
  accountId: Type.String({ pattern: '^[0-9]{12}$', default: '000000000000', mustBe: 'a string of 12 digits' }),
  metadata: MetadataSchema,
  artifacts: ArtifactsSchema,
  executor: ExecutorSchema,
  auth: AuthSchema,
  log: LogSchema,
  images: ImagesSchema,
  dataEngine: DataEngineSchema,
}, closed);

/** The loaded, validated configuration (deeply frozen when returned by `loadConfig`). */
export type Config = Static<typeof ConfigSchema>;
export type ServerConfig = Config['server'];
export type MetadataConfig = Config['metadata'];
export type ArtifactsConfig = Config['artifacts'];
export type ExecutorConfig = Config['executor'];
export type LogLevel = Config['log']['level'];
export type ProcessImage = Static<typeof ProcessImageSchema>;

/** Reads Loam's own options from a schema node. */
export function loamOptions(schema: TSchema): LoamSchemaOptions {
  return schema as LoamSchemaOptions;
}
