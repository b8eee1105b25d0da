import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { describeVersion, LimitExceededError, ValidationError, type DatasetService, type ImportHints, type Principal } from '@loam/core';
import { authenticateRest, CSRF_HEADER, type CredentialResolver } from '../auth/authenticator.js';

export interface UploadRouteDeps {
  readonly datasets: DatasetService;
  readonly credentials: CredentialResolver;
  readonly authorize: (principal: Principal, action: string, resource: string) => Promise<void>;
  readonly partition: { readonly region: string; readonly accountId: string };
  /** Largest upload in bytes. */
  readonly maxBytes: number;
}

function hintsOf(q: Record<string, string | undefined>): ImportHints {
  const csv: Record<string, unknown> = {};
  if (q['Delimiter'] !== undefined) csv['delimiter'] = q['Delimiter'] === '\\t' ? '\t' : q['Delimiter'];
  if (q['Quote'] !== undefined) csv['quote'] = q['Quote'];
  if (q['Escape'] !== undefined) csv['escape'] = q['Escape'];
  if (q['Header'] !== undefined) csv['header'] = q['Header'] === 'true';
  if (q['Encoding'] !== undefined) {
    if (!['utf-8', 'utf-16', 'latin-1'].includes(q['Encoding'])) throw new ValidationError(`Encoding '${q['Encoding']}' is not one of utf-8, utf-16, latin-1.`, [{ path: '/Encoding', message: 'utf-8, utf-16 or latin-1' }]);
    csv['encoding'] = q['Encoding'];
  }
  let columnTypes: Record<string, string> | undefined;
  if (q['ColumnTypes']) {
    try {
      columnTypes = JSON.parse(q['ColumnTypes']) as Record<string, string>;
    } catch {
      throw new ValidationError('ColumnTypes must be a JSON object of column → type.', [{ path: '/ColumnTypes', message: 'invalid JSON' }]);
    }
  }
  const format = q['Format'];
  if (format !== undefined && !['csv', 'parquet', 'jsonl'].includes(format)) throw new ValidationError(`Format '${format}' is not one of csv, parquet, jsonl.`, [{ path: '/Format', message: 'csv, parquet or jsonl' }]);
  const compression = q['Compression'];
  return {
    ...(format ? { format: format as 'csv' } : {}), ...(compression === 'gzip' || compression === 'none' ? { compression } : {}),
    ...(Object.keys(csv).length ? { csv } : {}), ...(columnTypes ? { columnTypes } : {}),
  };
}

/**
 * `POST /api/v1/datasets/{DatasetName}/upload?FileName=…`: the request body is the file itself,
 * streamed to the artifact store (never buffered), then imported as a new version. Clients show
 * progress from the bytes they have sent against Content-Length. Authorized as ImportDatasetVersion.
 */
export function registerDatasetUploadRoute(app: FastifyInstance, deps: UploadRouteDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/api/v1/datasets/:DatasetName/upload', async (req: FastifyRequest, reply) => {
      const principal = await authenticateRest({ method: req.method, authorization: req.headers.authorization, cookies: req.cookies ?? {}, csrfHeader: req.headers[CSRF_HEADER] as string | undefined }, deps.credentials);
      const name = (req.params as { DatasetName: string }).DatasetName;
      await deps.authorize(principal, 'sagemaker:ImportDatasetVersion', `arn:loam:sagemaker:${deps.partition.region}:${deps.partition.accountId}:dataset/${name}`);
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > deps.maxBytes) throw new LimitExceededError(`Dataset '${name}': the upload (${declared} bytes) is larger than the limit of ${deps.maxBytes} bytes.`);
      const q = req.query as Record<string, string | undefined>;
      const body = (req.body ?? req.raw) as Readable;
      const rec = await deps.datasets.importUpload(name, q['FileName'] ?? 'upload', body, hintsOf(q), deps.maxBytes);
      return reply.code(200).type('application/json').send(describeVersion(rec));
    });
  });
}
