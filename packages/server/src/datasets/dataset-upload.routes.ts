import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { describeVersion, LimitExceededError, resourceArn, ValidationError, type DatasetService, type ImportHints, type Principal } from '@loam/core';
import { authenticateRest, CSRF_HEADER, type CredentialResolver } from '../auth/authenticator.js';

export interface UploadRouteDeps {
  readonly datasets: DatasetService;
  readonly credentials: CredentialResolver;
  readonly authorize: (principal: Principal, action: string, resource: string) => Promise<void>;
  readonly partition: { readonly region: string; readonly accountId: string };
  /** Largest upload in bytes. */
  readonly maxBytes: number;
}

/** A one-character query parameter (`''` allowed where `empty` says so), or a 400 naming it. */
function oneChar(q: Record<string, string | undefined>, name: string, empty: boolean): string | undefined {
  const v = name === 'Delimiter' && q[name] === '\\t' ? '\t' : q[name];
  if (v === undefined || [...v].length === 1 || (empty && v === '')) return v;
  throw new ValidationError(`${name} '${v}' must be one character${empty ? " (or '' for none)" : ''}.`, [{ path: `/Csv/${name}`, message: 'one character' }]);
}

function hintsOf(q: Record<string, string | undefined>): ImportHints {
  const csv: Record<string, unknown> = {};
  const delimiter = oneChar(q, 'Delimiter', false);
  const quote = oneChar(q, 'Quote', true);
  const escape = oneChar(q, 'Escape', true);
  if (delimiter !== undefined) csv['delimiter'] = delimiter;
  if (quote !== undefined) csv['quote'] = quote;
  if (escape !== undefined) csv['escape'] = escape;
  if (q['Header'] !== undefined) {
    if (q['Header'] !== 'true' && q['Header'] !== 'false') throw new ValidationError(`Header '${q['Header']}' is not true or false.`, [{ path: '/Csv/Header', message: 'true or false' }]);
    csv['header'] = q['Header'] === 'true';
  }
  if (q['Encoding'] !== undefined) {
    if (!['utf-8', 'utf-16', 'latin-1'].includes(q['Encoding'])) throw new ValidationError(`Encoding '${q['Encoding']}' is not one of utf-8, utf-16, latin-1.`, [{ path: '/Encoding', message: 'utf-8, utf-16 or latin-1' }]);
    csv['encoding'] = q['Encoding'];
  }
  let columnTypes: Record<string, string> | undefined;
  if (q['ColumnTypes']) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(q['ColumnTypes']);
    } catch {
      throw new ValidationError('ColumnTypes must be a JSON object of column → type.', [{ path: '/ColumnTypes', message: 'invalid JSON' }]);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ValidationError(`ColumnTypes must be a JSON object of column → type, not ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}.`, [{ path: '/ColumnTypes', message: 'a JSON object' }]);
    }
    columnTypes = parsed as Record<string, string>; // the types themselves are checked on import
  }
  const format = q['Format'];
  if (format !== undefined && !['csv', 'parquet', 'jsonl'].includes(format)) throw new ValidationError(`Format '${format}' is not one of csv, parquet, jsonl.`, [{ path: '/Format', message: 'csv, parquet or jsonl' }]);
  const compression = q['Compression'];
  if (compression !== undefined && compression !== 'gzip' && compression !== 'none') throw new ValidationError(`Compression '${compression}' is not one of gzip, none.`, [{ path: '/Compression', message: 'gzip or none' }]);
  return {
    ...(format ? { format: format as 'csv' } : {}), ...(compression === 'gzip' || compression === 'none' ? { compression } : {}),
    ...(Object.keys(csv).length ? { csv } : {}), ...(columnTypes ? { columnTypes } : {}),
  };
}

/** `CreateDataset=true` (with an optional `Description`), or a 400 naming what is wrong. */
function creationOf(q: Record<string, string | undefined>): { description?: string } | undefined {
  const create = q['CreateDataset'];
  if (create !== undefined && create !== 'true' && create !== 'false') throw new ValidationError(`CreateDataset '${create}' is not true or false.`, [{ path: '/CreateDataset', message: 'true or false' }]);
  const description = q['Description'];
  if (create !== 'true') {
    if (description !== undefined) throw new ValidationError('Description describes a dataset the upload creates: it needs CreateDataset=true.', [{ path: '/Description', message: 'only with CreateDataset=true' }]);
    return undefined;
  }
  return description !== undefined ? { description } : {};
}

/**
 * `POST /api/v1/datasets/{DatasetName}/upload?FileName=…`: the request body is the file itself,
 * streamed to the artifact store (never buffered), then imported as a new version. Clients show
 * progress from the bytes they have sent against Content-Length. Authorized as ImportDatasetVersion.
 * With `CreateDataset=true` a dataset that does not exist is created (authorized as CreateDataset too)
 * in the same transaction as the version: a file that cannot be imported leaves no dataset behind.
 */
export function registerDatasetUploadRoute(app: FastifyInstance, deps: UploadRouteDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post('/api/v1/datasets/:DatasetName/upload', async (req: FastifyRequest, reply) => {
      const principal = await authenticateRest({ method: req.method, authorization: req.headers.authorization, cookies: req.cookies ?? {}, csrfHeader: req.headers[CSRF_HEADER] as string | undefined }, deps.credentials);
      const name = (req.params as { DatasetName: string }).DatasetName;
      const arn = resourceArn(deps.partition, 'dataset', name);
      await deps.authorize(principal, 'sagemaker:ImportDatasetVersion', arn);
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > deps.maxBytes) throw new LimitExceededError(`Dataset '${name}': the upload (${declared} bytes) is larger than the limit of ${deps.maxBytes} bytes.`);
      const q = req.query as Record<string, string | undefined>;
      const hints = hintsOf(q);
      let createIfAbsent = creationOf(q);
      if (createIfAbsent) {
        const exists = await deps.datasets.get(name).then(() => true, (e: { code?: string }) => {
          if (e.code === 'ResourceNotFound') return false;
          throw e;
        });
        if (exists) createIfAbsent = undefined;
        else await deps.authorize(principal, 'sagemaker:CreateDataset', arn);
      }
      const body = (req.body ?? req.raw) as Readable;
      const rec = await deps.datasets.importUpload(name, q['FileName'] ?? 'upload', body, hints, deps.maxBytes, createIfAbsent ? { createIfAbsent } : {});
      return reply.code(200).type('application/json').send(describeVersion(rec));
    });
  });
}
