import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import type { RequestContext } from '../kernel/context.js';
import type { Clock } from '../kernel/clock.js';
import { LoamError, NotFoundError, ResourceInUseError, ServiceUnavailableError, ValidationError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { assertResourceName, resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults, decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import type { ArtifactStore, ObjectRef } from '../ports/artifact-store.js';
import type { DataEngine, FileSource } from '../ports/data-engine.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { TagService } from '../tags/tag.service.js';
import { validateTags } from '../tags/tag-rules.js';
import { retireLineageVertex } from '../lineage/lineage-lives.js';
import { datasetObjectIntentsSpec, datasetsSpec, datasetVersionsSpec, versionId, type DatasetRecord, type DatasetVersionRecord } from './dataset.collections.js';
import { recordDeleteIntents, sweepOrphanedDatasetObjects, uriOf, versionsOf } from './dataset-objects.js';
import { DatasetStaging } from './dataset-staging.js';
import { describeVersion } from './dataset-views.js';
import { checkColumnTypeNames, checkColumnTypes } from './import/column-types.js';
import { detectFile, type ImportHints } from './import/detect-file.js';
import { profileDataset, type QuickModelFn } from './profile/profile.js';

type Ops = typeof operations;

export interface DatasetServiceOptions {
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly engine: DataEngine;
  readonly clock: Clock;
  readonly partition: Partition;
  /** Local scratch space: staged objects, temp Parquet. */
  readonly workDir: string;
  /** Bucket for version snapshots and uploads (created on first use). */
  readonly bucket?: string;
  readonly tags?: TagService;
  /** Trains the profile's quick model (the server passes the GBDT from `ml`). */
  readonly quickModel?: QuickModelFn;
  /**
   * The caller's policies: an ImportDatasetVersion with CreateDataset that creates the dataset is
   * authorized as sagemaker:CreateDataset too. Throws AccessDeniedException when not allowed.
   */
  readonly authorize: ActionAuthorizer;
  readonly logger?: Logger;
  /** Bytes the staging cache under `workDir/cache` may take (`dataEngine.stagingCacheSize`; default 10 GiB). */
  readonly stagingCacheBytes?: number;
}

export const DEFAULT_DATASET_BUCKET = 'loam-datasets';

/** Options of an import into a dataset. */
export interface ImportOptions {
  readonly signal?: AbortSignal;
  /**
   * When the dataset does not exist, create it with this description in the same transaction that
   * records its first version. A failed import then leaves no dataset behind, and nothing has to be
   * deleted afterwards (deleting would race with another import into the same new name).
   */
  readonly createIfAbsent?: { readonly description?: string };
  /**
   * Write intents of objects the caller stored for this import (an upload): the transaction that records
   * the version removes them with the import's own, so that the sweep leaves the objects alone.
   */
  readonly writeIntents?: readonly string[];
}

/** Datasets with immutable versions: import, describe, list, preview, profile. */
export class DatasetService {
  readonly staging: DatasetStaging;
  readonly bucket: string;

  constructor(private readonly o: DatasetServiceOptions) {
    this.staging = new DatasetStaging(o.artifacts, o.workDir, { ...(o.stagingCacheBytes !== undefined ? { budgetBytes: o.stagingCacheBytes } : {}), ...(o.logger ? { logger: o.logger } : {}) });
    this.bucket = o.bucket ?? DEFAULT_DATASET_BUCKET;
  }

  private get datasets() {
    return this.o.store.collection(datasetsSpec);
  }
  private get versions() {
    return this.o.store.collection(datasetVersionsSpec);
  }

  registerTaggables(tags: TagService): void {
    const prefix = resourceArn(this.o.partition, 'dataset', '');
    // By ARN, not by name: a dataset keeps its name's capitals while its ARN is lower-cased.
    tags.registerResolver(prefix, async (arn) => (await this.datasets.findOne('arn', arn)) !== undefined);
  }

  async CreateDataset(input: InputOf<Ops['CreateDataset']>, _ctx: RequestContext): Promise<OutputOf<Ops['CreateDataset']>> {
    assertResourceName('DatasetName', input.DatasetName);
    if (input.Tags) validateTags(input.Tags);
    const rec = this.newRecord(input.DatasetName, this.o.clock.now(), input.Description, 0);
    const { arn } = rec;
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(datasetsSpec).insert(rec);
        await removeStrayVersions(tx, input.DatasetName, this.bucket, this.o.clock.now());
      });
    } catch (e) {
      if (e instanceof LoamError && e.code === 'ResourceInUse') throw new ResourceInUseError(`Dataset '${input.DatasetName}' already exists.`);
      throw e;
    }
    if (input.Tags?.length && this.o.tags) await this.o.tags.AddTags({ ResourceArn: arn, Tags: input.Tags }, _ctx);
    return { DatasetArn: arn };
  }

  private newRecord(name: string, now: number, description: string | undefined, latestVersion: number): DatasetRecord {
    const arn = resourceArn(this.o.partition, 'dataset', name);
    return { datasetName: name, arn, createdAt: now, lastModifiedAt: now, latestVersion, ...(description ? { description } : {}) };
  }

  /** What CreateDataset checks of a name and description, for an import that may create the dataset. */
  private async checkCreatable(name: string, create: ImportOptions['createIfAbsent']): Promise<void> {
    assertResourceName('DatasetName', name);
    // ARNs are lower-cased: 'Churn' existing takes the name 'churn' too, as CreateDataset answers.
    const other = await this.datasets.findOne('arn', resourceArn(this.o.partition, 'dataset', name));
    if (other && other.value.datasetName !== name) throw new ResourceInUseError(`Dataset '${name}' already exists (as '${other.value.datasetName}').`);
    const description = create?.description;
    if (description !== undefined && description.length > 1024) {
      throw new ValidationError(`Dataset '${name}': the description has ${description.length} characters; at most 1024.`, [{ path: '/Description', message: 'at most 1024 characters' }]);
    }
  }

  async get(name: string): Promise<DatasetRecord> {
    const r = await this.datasets.get(name);
    if (!r) throw new NotFoundError('Dataset', name);
    return r.value;
  }

  /** The version record (latest when `version` is absent). @throws ResourceNotFound. */
  async version(name: string, version?: number): Promise<DatasetVersionRecord> {
    const d = await this.get(name);
    const v = version ?? d.latestVersion;
    if (v === 0) throw new ValidationError(`Dataset '${name}' has no version yet: import one first.`, [{ path: '/Version', message: 'no versions' }]);
    const r = await this.versions.get(versionId(name, v));
    if (!r) throw new NotFoundError('Dataset version', `${name}:${v}`);
    return r.value;
  }

  /**
   * A version's Parquet snapshot, staged locally, as an engine source. The staged file is leased until
   * `release` (the staging cache never evicts it meanwhile): call it once the engine is done with it.
   */
  async source(name: string, version?: number, signal?: AbortSignal): Promise<{ record: DatasetVersionRecord; source: FileSource; release: () => void }> {
    const record = await this.version(name, version);
    const { path, release } = await this.staging.stage(record.dataUri, 'DataUri', signal);
    return { record, source: { path, format: 'parquet' }, release };
  }

  /**
   * With `CreateDataset`, a dataset that does not exist is created (authorized as CreateDataset too) in
   * the transaction that records its first version: a file that cannot be imported leaves nothing.
   */
  async ImportDatasetVersion(input: InputOf<Ops['ImportDatasetVersion']>, ctx: RequestContext): Promise<OutputOf<Ops['ImportDatasetVersion']>> {
    const name = input.DatasetName;
    if (input.Description !== undefined && !input.CreateDataset) {
      throw new ValidationError(`Dataset '${name}': Description describes a dataset the import creates; it needs CreateDataset.`, [{ path: '/Description', message: 'only with CreateDataset' }]);
    }
    let createIfAbsent: ImportOptions['createIfAbsent'];
    if (!(await this.datasets.get(name))) {
      if (!input.CreateDataset) throw new NotFoundError('Dataset', name);
      await this.o.authorize(ctx.principal, 'sagemaker:CreateDataset', resourceArn(this.o.partition, 'dataset', name));
      createIfAbsent = input.Description !== undefined ? { description: input.Description } : {};
      await this.checkCreatable(name, createIfAbsent);
    }
    // The source is read once, by this import (the version's snapshot is what later reads use): its
    // staged copy goes when the import ends.
    const { path, size, release } = await this.staging.stage(input.SourceUri, 'SourceUri', ctx.signal, { transient: true });
    const options: ImportOptions = { ...(ctx.signal ? { signal: ctx.signal } : {}), ...(createIfAbsent ? { createIfAbsent } : {}) };
    try {
      return describeVersion(await this.importLocal(name, path, size, input.SourceUri, hintsOf(input), options));
    } finally {
      release();
    }
  }

  /**
   * Checks, types and snapshots a local file as the next version. Nothing is recorded unless every
   * step succeeded; a snapshot written before a failure is deleted. With `createIfAbsent`, a dataset
   * that does not exist is created with the version, in one transaction.
   * @throws ValidationException naming line and byte offset for a bad file; ResourceNotFound;
   *   ResourceInUse when another import recorded a version meanwhile.
   */
  async importLocal(name: string, path: string, size: number, sourceUri: string, hints: ImportHints, options: ImportOptions = {}): Promise<DatasetVersionRecord> {
    const { signal, createIfAbsent } = options;
    const existing = (await this.datasets.get(name))?.value;
    if (!existing && !createIfAbsent) throw new NotFoundError('Dataset', name);
    if (!existing) await this.checkCreatable(name, createIfAbsent);
    const base = existing?.latestVersion ?? 0;
    const fail = (e: unknown): never => {
      if (e instanceof ValidationError) throw new ValidationError(`Dataset '${name}': cannot import '${sourceUri}': ${e.message}`, e.fields);
      throw e;
    };
    const checked = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        return fail(e);
      }
    };
    const types = checked(() => checkColumnTypes(hints.columnTypes));
    const detected = await detectFile(path, size, types ? { ...hints, columnTypes: types } : hints).catch(fail);
    const csvColumns = detected.source.csv?.columnNames;
    if (csvColumns) checked(() => checkColumnTypeNames(types, csvColumns));
    const tmp = await this.staging.tempPath('.parquet');
    const version = base + 1;
    // A key of this import's own: two imports racing for one version number must not write (or, the
    // loser, delete) the snapshot the winner's record names. Readers follow the record's dataUri.
    const ref = { bucket: this.bucket, key: `datasets/${name}/v${version}/${randomBytes(8).toString('hex')}/data.parquet` };
    let intended = false;
    try {
      const copy = await this.o.engine.copyTo('SELECT * FROM src', { src: detected.source }, { path: tmp, format: 'parquet' }, signal ? { signal } : {}).catch(fail);
      checked(() => checkColumnTypeNames(types, copy.columns.map((c) => c.name)));
      await this.o.artifacts.ensureBucket(this.bucket);
      const sha = await sha256File(tmp);
      await this.intendWrite(ref, name);
      intended = true;
      const info = await this.o.artifacts.put(ref, createReadStream(tmp), { contentType: 'application/vnd.apache.parquet' });
      const now = this.o.clock.now();
      const csv = detected.source.csv;
      const rec: DatasetVersionRecord = {
        id: versionId(name, version), datasetName: name, version, createdAt: now, sourceUri,
        format: detected.source.format, compression: detected.source.compression ?? 'none',
        ...(csv ? { csv: { delimiter: csv.delimiter, quote: csv.quote, escape: csv.escape, header: csv.header, encoding: csv.encoding } } : {}),
        ...(types ? { columnTypes: types } : {}),
        columns: copy.columns, rowCount: copy.rowCount, sourceBytes: size, dataUri: `s3://${ref.bucket}/${ref.key}`, dataBytes: info.size, dataSha256: sha,
      };
      const raced = (latest: number) => new ResourceInUseError(`Dataset '${name}': another import created version ${latest} meanwhile; import again.`);
      await this.o.store.transaction(async (tx) => {
        // Read first (locked where transactions run side by side): DeleteDataset takes the same row first,
        // so this commits wholly before a delete, or finds the dataset gone and records nothing.
        const cur = await tx.collection(datasetsSpec).get(name);
        // Deleted while this ran: a dataset this import may create is a new one, whose first version this is not.
        if (!cur && (!createIfAbsent || existing)) throw new NotFoundError('Dataset', name);
        const latest = cur?.value.latestVersion ?? 0;
        if (latest !== base) throw raced(latest);
        await takeWriteIntents(tx, [rec.dataUri, ...(options.writeIntents ?? [])], name);
        try {
          if (!cur) await removeStrayVersions(tx, name, this.bucket, now);
          await tx.collection(datasetVersionsSpec).insert(rec);
          if (cur) await tx.collection(datasetsSpec).update(name, cur.version, { ...cur.value, latestVersion: version, lastModifiedAt: now });
          else await tx.collection(datasetsSpec).insert(this.newRecord(name, now, createIfAbsent?.description, version));
        } catch (e) {
          // A store that does not serialise transactions lets two imports read the same latest version:
          // the second insert of the version (or of the new dataset) is the race, said as such.
          if (e instanceof LoamError && e.code === 'ResourceInUse') throw raced(version);
          throw e;
        }
      });
      return rec;
    } catch (e) {
      if (intended) await this.deleteWritten(ref);
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Journals an object this store is about to write (see DatasetObjectIntentRecord), before writing it. */
  private async intendWrite(ref: ObjectRef, datasetName: string): Promise<void> {
    await this.o.store.collection(datasetObjectIntentsSpec).insert({ uri: uriOf(ref), datasetName, kind: 'write', createdAt: this.o.clock.now() });
  }

  /**
   * Deletes an object an import wrote (or may have begun to write) and did not record, then its intent.
   * When the delete fails the intent stays, and the startup sweep deletes the object later.
   */
  private async deleteWritten(ref: ObjectRef): Promise<void> {
    try {
      await this.o.artifacts.delete(ref);
      await this.o.store.collection(datasetObjectIntentsSpec).delete(uriOf(ref));
    } catch (e) {
      this.o.logger?.warn({ uri: uriOf(ref), err: e }, 'dataset object of a failed import not deleted; the startup sweep will delete it');
    }
  }

  /**
   * Imports a streamed upload: the bytes are stored under the dataset bucket's `uploads/` prefix (the
   * version's SourceUri), checked and snapshotted; a failed import deletes the upload too.
   * @throws ValidationException for a bad file or when `maxBytes` is exceeded; ResourceNotFound.
   */
  async importUpload(name: string, fileName: string, body: AsyncIterable<Uint8Array>, hints: ImportHints, maxBytes: number, options: ImportOptions = {}): Promise<DatasetVersionRecord> {
    const { signal } = options;
    if (options.createIfAbsent) await this.checkCreatable(name, options.createIfAbsent);
    else await this.get(name);
    const safe = fileName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'upload';
    const ref = { bucket: this.bucket, key: `uploads/${name}/${this.o.clock.now()}-${Math.random().toString(36).slice(2, 8)}/${safe}` };
    const uri = uriOf(ref);
    await this.o.artifacts.ensureBucket(this.bucket);
    await this.intendWrite(ref, name);
    let seen = 0;
    async function* limited(): AsyncIterable<Uint8Array> {
      for await (const c of body) {
        seen += c.length;
        if (seen > maxBytes) throw new ValidationError(`Dataset '${name}': the upload is larger than ${maxBytes} bytes.`, [{ path: '/Body', message: `over ${maxBytes} bytes` }]);
        yield c;
      }
    }
    try {
      await this.o.artifacts.put(ref, limited(), signal ? { signal } : {});
      const { path, size, release } = await this.staging.stage(uri, 'Body', signal, { transient: true });
      try {
        return await this.importLocal(name, path, size, uri, hints, { ...options, writeIntents: [...(options.writeIntents ?? []), uri] });
      } finally {
        release();
      }
    } catch (e) {
      await this.deleteWritten(ref);
      throw e;
    }
  }

  async DescribeDataset(input: InputOf<Ops['DescribeDataset']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeDataset']>> {
    const d = await this.get(input.DatasetName);
    const latest = d.latestVersion > 0 ? await this.version(d.datasetName, d.latestVersion) : undefined;
    return {
      DatasetName: d.datasetName, DatasetArn: d.arn, ...(d.description ? { Description: d.description } : {}),
      CreationTime: d.createdAt / 1000, LastModifiedTime: d.lastModifiedAt / 1000, LatestVersion: d.latestVersion,
      ...(latest ? { Latest: describeVersion(latest) } : {}),
    };
  }

  async ListDatasets(input: InputOf<Ops['ListDatasets']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListDatasets']>> {
    const page = await this.datasets.list({
      ...(input.NameContains ? { filters: [{ field: 'datasetName', op: 'contains', value: input.NameContains }] } : {}),
      sortBy: 'createdAt', sortOrder: 'Descending', maxResults: clampMaxResults(input.MaxResults, 50), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    const summaries = await Promise.all(page.items.map(async ({ value: d }) => {
      const v = d.latestVersion > 0 ? (await this.versions.get(versionId(d.datasetName, d.latestVersion)))?.value : undefined;
      return {
        DatasetName: d.datasetName, DatasetArn: d.arn, CreationTime: d.createdAt / 1000, LastModifiedTime: d.lastModifiedAt / 1000, LatestVersion: d.latestVersion,
        ...(v ? { RowCount: v.rowCount, ColumnCount: v.columns.length } : {}),
      };
    }));
    return { DatasetSummaries: summaries, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  /**
   * Deletes the dataset, every version record and its tags in one transaction, then the objects those
   * versions stored (snapshots, uploads). The dataset's row is read first, as an import's commit reads
   * it, so the two take turns: a version recorded before the delete is deleted with it, and an import
   * that commits after it is refused (ResourceNotFound) and keeps nothing. Objects go only once no row
   * names them: the transaction journals them as delete intents, each removed once its object is gone;
   * one that cannot be deleted then (or a crash) is left to {@link sweepOrphanedObjects}.
   * @throws ResourceNotFound.
   */
  async DeleteDataset(input: InputOf<Ops['DeleteDataset']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteDataset']>> {
    const name = input.DatasetName;
    const removed = await this.o.store.transaction(async (tx) => {
      const cur = await tx.collection(datasetsSpec).get(name);
      if (!cur) throw new NotFoundError('Dataset', name);
      const versions = tx.collection(datasetVersionsSpec);
      const rows = await versionsOf(versions, name);
      for (const r of rows) await versions.delete(r.value.id, r.version);
      await tx.collection(datasetsSpec).delete(name, cur.version);
      await tx.tags.clear(cur.value.arn);
      await retireLineageVertex(tx, cur.value.arn, this.o.clock.now());
      return recordDeleteIntents(tx, rows.map((r) => r.value), this.bucket, this.o.clock.now());
    });
    for (const ref of removed) {
      try {
        await this.o.artifacts.delete(ref);
        await this.o.store.collection(datasetObjectIntentsSpec).delete(uriOf(ref));
      } catch (e) {
        this.o.logger?.warn({ datasetName: name, uri: uriOf(ref), err: e }, 'dataset object not deleted; the startup sweep will delete it');
      }
      await this.staging.forget(uriOf(ref));
    }
    return {};
  }

  /**
   * Deletes the snapshots and uploads this store wrote and never recorded (an import's, begun more than
   * `olderThanMs` ago) and those a committed delete did not get to: never an object this store has no
   * intent for, whoever wrote it.
   * @returns the s3:// URIs deleted.
   */
  sweepOrphanedObjects(options: { olderThanMs: number; signal?: AbortSignal }): Promise<string[]> {
    const { store, artifacts, clock, logger } = this.o;
    return sweepOrphanedDatasetObjects({ store, artifacts, clock, ...options, ...(logger ? { logger } : {}) });
  }

  async DescribeDatasetVersion(input: InputOf<Ops['DescribeDatasetVersion']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeDatasetVersion']>> {
    return describeVersion(await this.version(input.DatasetName, input.Version));
  }

  async ListDatasetVersions(input: InputOf<Ops['ListDatasetVersions']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListDatasetVersions']>> {
    const d = await this.get(input.DatasetName);
    const max = clampMaxResults(input.MaxResults, 50);
    const start = decodeNextToken(input.NextToken);
    const from = start ? Number(start.after) : d.latestVersion;
    const out: DatasetVersionRecord[] = [];
    for (let v = from; v >= 1 && out.length < max; v--) {
      const r = await this.versions.get(versionId(d.datasetName, v));
      if (r) out.push(r.value);
    }
    const last = out[out.length - 1];
    const next = last && last.version > 1 && out.length === max ? encodeNextToken({ after: last.version - 1, name: d.datasetName }) : undefined;
    return { Versions: out.map(describeVersion), ...(next ? { NextToken: next } : {}) };
  }

  async PreviewDataset(input: InputOf<Ops['PreviewDataset']>, ctx: RequestContext): Promise<OutputOf<Ops['PreviewDataset']>> {
    const { record, source, release } = await this.source(input.DatasetName, input.Version, ctx.signal);
    const limit = input.Limit ?? 100;
    const sql = input.Sampling === 'Random'
      ? `SELECT * FROM src USING SAMPLE reservoir(${limit} ROWS) REPEATABLE (${input.Seed ?? 42})`
      : 'SELECT * FROM src';
    const r = await this.o.engine.query(sql, { src: source }, { limit, ...(ctx.signal ? { signal: ctx.signal } : {}) }).finally(release);
    return { Columns: r.columns.map((c) => ({ Name: c.name, Type: c.type })), Rows: r.rows.map((row) => [...row]), RowCount: record.rowCount };
  }

  async GetDatasetProfile(input: InputOf<Ops['GetDatasetProfile']>, ctx: RequestContext): Promise<OutputOf<Ops['GetDatasetProfile']>> {
    const { record, source, release } = await this.source(input.DatasetName, input.Version, ctx.signal);
    try {
      if (input.TargetColumn !== undefined && !record.columns.some((c) => c.name === input.TargetColumn)) {
        throw new ValidationError(`Dataset '${input.DatasetName}' version ${record.version} has no column '${input.TargetColumn}'.`, [{ path: '/TargetColumn', message: `unknown column; columns: ${record.columns.map((c) => c.name).join(', ')}` }]);
      }
      if (input.QuickModel && input.TargetColumn === undefined) throw new ValidationError('QuickModel needs a TargetColumn.', [{ path: '/TargetColumn', message: 'required with QuickModel' }]);
      const profile = await profileDataset(this.o.engine, source, record, {
        ...(input.TargetColumn !== undefined ? { target: input.TargetColumn } : {}),
        ...(input.QuickModel && this.o.quickModel ? { quickModel: this.o.quickModel } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        tempPath: (suffix: string) => this.staging.tempPath(suffix),
      });
      return { Profile: profile };
    } finally {
      release();
    }
  }
}

/**
 * Version rows of a dataset that has no row: what a DeleteDataset racing an import left before it was one
 * transaction. A new dataset of that name starts without them (their version numbers would collide);
 * their objects, no longer named by any row, are journalled for the startup sweep to delete.
 */
async function removeStrayVersions(tx: MetadataStore, name: string, bucket: string, now: number): Promise<void> {
  const versions = tx.collection(datasetVersionsSpec);
  const rows = await versionsOf(versions, name);
  for (const r of rows) await versions.delete(r.value.id, r.version);
  await recordDeleteIntents(tx, rows.map((r) => r.value), bucket, now);
}

/**
 * Removes an import's write intents in the transaction that records the objects. Each is read first
 * (locked where transactions run side by side), as the sweep reads it before it claims it: one the sweep
 * took (an import that ran past the sweep's grace period) means its object is gone or going.
 */
async function takeWriteIntents(tx: MetadataStore, uris: readonly string[], name: string): Promise<void> {
  const intents = tx.collection(datasetObjectIntentsSpec);
  for (const uri of uris) {
    const cur = await intents.get(uri);
    if (!cur || cur.value.sweeping) throw new ServiceUnavailableError(`Dataset '${name}': the import ran so long that the startup sweep took its object ${uri} for a crashed import's; import again.`);
    await intents.delete(uri, cur.version);
  }
}

function hintsOf(input: InputOf<Ops['ImportDatasetVersion']>): ImportHints {
  const c = input.Csv;
  const csv = c ? {
    ...(c.Delimiter !== undefined ? { delimiter: c.Delimiter } : {}), ...(c.Quote !== undefined ? { quote: c.Quote } : {}),
    ...(c.Escape !== undefined ? { escape: c.Escape } : {}), ...(c.Header !== undefined ? { header: c.Header } : {}),
    ...(c.Encoding !== undefined ? { encoding: c.Encoding } : {}),
  } : undefined;
  return {
    ...(input.Format ? { format: input.Format } : {}), ...(input.Compression ? { compression: input.Compression } : {}),
    ...(csv ? { csv } : {}), ...(input.ColumnTypes ? { columnTypes: input.ColumnTypes } : {}),
  };
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  await stat(path);
  return h.digest('hex');
}
