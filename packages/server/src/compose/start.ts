import pino from 'pino';
import { operationList, type InputOf, type operations } from '@loam/contracts';
import { authorize, authorizeAny, type RequestContext } from '@loam/core';
import { ConfigSchema, loadConfig, type Config, type ConfigFlags } from '../config/index.js';
import { redact } from '../config/redact.js';
import { registerSessionRoutes } from '../auth/session.routes.js';
import { buildHttpApp } from '../http/build-app.js';
import { startServingWorkers } from '../serving-workers/start-serving-workers.js';
import type { ServingWorkerPool } from '../serving-workers/worker-pool.js';
import { registerHealthRoutes } from '../http/health.routes.js';
import { registerStudioRoutes } from '../http/studio.routes.js';
import { stalledClientLimit } from '../http/store-body.js';
import { fileURLToPath } from 'node:url';
import { assertEveryOperationHandled, bindHandlers, createDispatcher } from '../operations/dispatcher.js';
import { registerRestTransport } from '../transports/rest/rest.routes.js';
import { registerAwsProtocols } from '../transports/aws-json/register-aws.js';
import { registerMlflowTransport } from '../transports/mlflow/mlflow.routes.js';
import { mlflowRegistryRoutes } from '../transports/mlflow/registry/mlflow-registry.routes.js';
import { registerEndpointRoutes } from '../endpoints/endpoints.compose.js';
import { withRedactedRequests } from '../http/request-log.js';
import { registerFrameHeaders } from '../http/frame-headers.js';
import { bootstrapCredentials } from './credentials-bootstrap.js';
import { credentialsTakenFromDefault, repairCredentialsKey } from './credentials-file.js';
import { knownKey } from './forget-unreadable-keys.js';
import { DataDirInUseError, lockDataDir, type DataDirLock } from '@loam/adapters/data-dir/data-dir-lock';
import { keepReserve, releaseReserveWhenFull } from './disk-reserve.js';
import { openPlatform, type Platform } from './platform.js';
import { registerDatasetUploadRoute } from '../datasets/dataset-upload.routes.js';
import { bucketOperations } from '../buckets/bucket-operations.js';
import type { FastifyInstance } from 'fastify';

export interface StartOptions {
  /** CLI flags: the highest configuration layer. */
  readonly flags?: ConfigFlags;
  /** Environment for `LOAM_*` configuration (default: the process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Use this logger instead of building one from `log.level`. */
  readonly logger?: pino.Logger;
}

export interface RunningLoam {
  readonly url: string;
  readonly loginUrl: string;
  readonly credentialsFile: string;
  readonly dataDir: string;
  readonly adminCreated: boolean;
  readonly config: Config;
  readonly platform: Platform;
  readonly app: FastifyInstance;
  /** The serving workers (`server.servingWorkers` > 0), ADR 0015. */
  readonly servingWorkers: ServingWorkerPool | undefined;
  close(): Promise<void>;
}

function urlFor(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}

/** Builds the HTTP app on an open platform: health, Studio sessions, and every operation over REST. */
export function buildLoamApp(platform: Platform, logger: pino.Logger | false, publicUrl: () => string, sources: Readonly<Record<string, string>> = {}): FastifyInstance {
  const { config, identity } = platform;
  // Request URLs are logged with their credentials (presigned signatures, login tokens) redacted.
  const app = buildHttpApp({ logger: logger === false ? false : withRedactedRequests(logger), allowedHosts: config.server.allowedHosts, boundHost: config.server.host, bodyLimit: config.server.bodyLimitBytes, trustProxy: config.server.trustProxy, invocationLane: config.server.invocationLane });
  registerFrameHeaders(app);
  registerHealthRoutes(app, [
    { name: 'metadata', ping: (o) => platform.store.ping(o) },
    { name: 'artifacts', ping: (o) => platform.artifacts.ping(o) },
  ]);
  registerSessionRoutes(app, identity, publicUrl().startsWith('https://'), platform.partition);
  const studioAccess = {
    async CreateLoginLink(input: InputOf<typeof operations.CreateLoginLink>, _ctx: RequestContext) {
      const ttl = input.ExpiresInSeconds ?? config.auth.loginLinkTtlSeconds;
      const token = await identity.createLoginLink(input.UserName as string, ttl);
      return { AuthorizedUrl: `${publicUrl()}/auth/login?token=${encodeURIComponent(token)}`, ExpiresAt: Math.floor(Date.now() / 1000) + ttl };
    },
  };
  const serverInfo = {
    async DescribeServerConfig() {
      return { Config: redact(ConfigSchema, config), Sources: { ...sources } };
    },
  };
  const handlers = bindHandlers(operationList, [studioAccess, serverInfo, bucketOperations(platform.artifacts, platform.partition), ...platform.services]);
  assertEveryOperationHandled(operationList, handlers);
  const { authorizeData, checkDataPresence, authorizeExperiment } = platform;
  const dispatch = createDispatcher({
    handlers,
    partition: platform.partition,
    authorize: async (principal, action, resource, scope) => (scope === 'any' ? authorizeAny : authorize)(principal, await identity.policiesOf(principal.userName), action, resource),
    authorizeData,
    checkDataPresence,
    authorizeExperiment,
  });
  registerRestTransport(app, { operations: operationList, dispatch, credentials: identity, defaultBodyLimit: config.server.bodyLimitBytes });
  registerDatasetUploadRoute(app, { datasets: platform.datasets.datasets, credentials: identity, partition: platform.partition, maxBytes: 10 * 1024 ** 3, authorize: async (p, a, r) => authorize(p, await identity.policiesOf(p.userName), a, r) });
  registerStudioRoutes(app, { distDir: fileURLToPath(new URL('../../../studio/dist', import.meta.url)) });
  registerAwsProtocols(app, { platform, dispatch, operations: operationList });
  registerEndpointRoutes(app, platform.endpoints, (t) => identity.authenticateToken(t), async (p, a, r) => authorize(p, await identity.policiesOf(p.userName), a, r), platform.partition);
  registerMlflowTransport(app, { tracking: platform.tracking, authorizeData, extraRoutes: mlflowRegistryRoutes(platform.registry, async (p, a, r) => authorize(p, await identity.policiesOf(p.userName), a, r)), credentials: identity, partition: platform.partition, defaultBodyLimit: config.server.bodyLimitBytes, authorize: async (p, a, r) => authorize(p, await identity.policiesOf(p.userName), a, r), ...stalledClientLimit(config.artifacts) });
  return app;
}

/**
 * Takes the data directory's lock, then gives back the disk reserve if the disk is full (disk-reserve.ts).
 * The lock's first write may itself find no room: then the reserve is given back first and the lock taken
 * again. A lock held by another server leaves the reserve alone: it is that server's room.
 */
async function lockDataDirOnFullDisk(dataDir: string, logger: pino.Logger): Promise<DataDirLock> {
  let lock: DataDirLock;
  try {
    lock = await lockDataDir(dataDir);
  } catch (e) {
    if (e instanceof DataDirInUseError || !(await releaseReserveWhenFull(dataDir, logger))) throw e;
    lock = await lockDataDir(dataDir);
  }
  await releaseReserveWhenFull(dataDir, logger);
  return lock;
}

/**
 * `loam up`: loads the configuration, opens the stores, bootstraps the admin on first start (writing
 * `<data-dir>/credentials`), serves, and prints a one-time Studio sign-in link.
 */
export async function startLoam(options: StartOptions = {}): Promise<RunningLoam> {
  const loaded = loadConfig({ argv: options.flags ?? {}, ...(options.env ? { env: options.env } : {}) });
  const { config } = loaded;
  const logger = options.logger ?? pino({ level: config.log.level }, pino.destination(2));
  const lock = await lockDataDirOnFullDisk(config.dataDir, logger);
  let platform: Awaited<ReturnType<typeof openPlatform>>;
  try {
    platform = await openPlatform(config, logger);
  } catch (e) {
    lock.release();
    throw e;
  }
  if (config.executor.sandbox === 'off') logger.warn("executor.sandbox is off: jobs' images and model servers run as Loam's own user, with host paths, and can read the data directory (the admin's credentials included)");
  let url = config.server.publicUrl ?? urlFor(config.server.host, config.server.port);
  const app = buildLoamApp(platform, logger, () => url, loaded.sources as Record<string, string>);
  try {
    // Endpoints take invocations (which wait for a healthy instance) before the port opens: an invocation
    // in between would be refused as naming no endpoint. Their instances start in the background.
    await platform.endpoints.start();
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    await platform.close();
    lock.release();
    throw e;
  }
  const addr = app.server.address();
  if (addr && typeof addr === 'object' && !config.server.publicUrl) url = urlFor(config.server.host, addr.port);

  // Re-adopts the jobs a previous run left going and starts queued ones.
  await platform.jobs.scheduler.start();
  let pool: ServingWorkerPool | undefined;
  try {
    pool = await startServingWorkers(app, platform, config.server.servingWorkers, logger);
  } catch (e) {
    await app.close();
    await platform.close();
    lock.release();
    throw e;
  }
  platform.tuning.driver.start();
  let credentialsFile: string;
  let admin: Awaited<ReturnType<typeof platform.identity.bootstrapAdmin>>;
  try {
    // Written before the admin is committed: a crash in between leaves no admin, and the next start bootstraps again.
    // Awaited, not blocking: the port is open, and a lock another writer holds (up to 75 s) must not stop answers.
    const bootstrap = await bootstrapCredentials(platform.identity, config.dataDir, { region: config.region, endpoint: url });
    ({ admin, file: credentialsFile } = bootstrap);
    const { written } = bootstrap;
    if (!admin) {
      // A process killed between a key's deletion and the file's rewrite left [loam] naming a dead key; a bootstrap
      // another server won at the same moment left it naming the key written above, never committed.
      const repaired = await repairCredentialsKey(config.dataDir, (id, token) => knownKey(platform.identity, new Set(written === undefined ? [] : [written]), id, token));
      if (repaired) logger.warn({ file: repaired.file, profile: repaired.profile, accessKeyId: repaired.accessKeyId }, 'credentials profile named an access key the server does not hold: its key lines were removed (create a new key with `loam create-access-key`)');
    }
  } catch (e) {
    // The credentials file could not be written (a link into a missing directory, a lock held past its wait, a lock
    // lost): the caller gets no handle to close the server, so it is closed here and the error thrown as it was.
    await pool?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await platform.close().catch(() => undefined);
    lock.release();
    throw e;
  }
  const inherited = credentialsTakenFromDefault(config.dataDir);
  if (inherited.length) logger.warn({ file: credentialsFile, profile: 'loam', entries: inherited }, `${credentialsFile}: its [DEFAULT] section sets ${inherited.join(', ')}, which boto3 and the aws CLI apply to profile [loam] too: they would not sign with Loam's access key alone. Move ${inherited.length > 1 ? 'these entries' : 'that entry'} from [DEFAULT] into a named profile`);
  const adminName = admin?.userName ?? 'admin';
  const loginToken = await platform.identity.createLoginLink(adminName, config.auth.loginLinkTtlSeconds).catch(() => undefined);
  const loginUrl = loginToken ? `${url}/auth/login?token=${encodeURIComponent(loginToken)}` : `(no '${adminName}' user: run \`loam login-link --user-name <you>\`)`;
  logger.info({ url, dataDir: config.dataDir }, 'loam is up');
  const reserving = keepReserve(config.dataDir, logger);

  let closing: Promise<void> | undefined;
  return {
    url,
    loginUrl,
    credentialsFile,
    dataDir: config.dataDir,
    adminCreated: Boolean(admin),
    config,
    platform,
    app,
    servingWorkers: pool,
    close: () =>
      (closing ??= (async () => {
        await pool?.close();
        await app.close();
        await platform.close();
        await reserving;
        lock.release();
      })()),
  };
}
