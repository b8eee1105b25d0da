import type { FastifyInstance } from 'fastify';
import type { Logger } from '@loam/core';
import type { Platform } from '../compose/platform.js';
import { twinServer } from '../http/build-app.js';
import { ServingWorkerPool } from './worker-pool.js';

/**
 * Starts `count` serving workers in front of an app made by `buildLoamApp` (ADR 0015); undefined for
 * 0 or an app without its own Node server. Call after the endpoints capability started.
 */
export async function startServingWorkers(app: FastifyInstance, platform: Platform, count: number, logger: Logger): Promise<ServingWorkerPool | undefined> {
  const twin = count > 0 ? twinServer(app) : undefined;
  if (!twin) return undefined;
  const { config } = platform;
  const pool = new ServingWorkerPool({
    count, server: app.server, twin, endpoints: platform.endpoints, identity: platform.identity, logger,
    settings: {
      partition: platform.partition, allowedHosts: config.server.allowedHosts, boundHost: config.server.host,
      logLevel: config.log.level, keepAliveTimeoutMs: app.server.keepAliveTimeout, invocationLane: config.server.invocationLane,
    },
  });
  try {
    await pool.start();
  } catch (e) {
    await pool.close(0);
    throw e;
  }
  return pool;
}
