import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { silentLogger, type Logger } from '@loam/core';
import type { OnlineIndex, SqlDialect } from '../dialects/sql-dialect.js';
import { allApplied, appliedMigrations, compatibleMigrations, compatibleTableMigration, declaredOnlineIndexes, migratorSchema, onlineIndexesMigration, recordingCompatible, refuseNewerSchema, unboundedMigrations, type FlaggedMigration } from '../migration-schema.js';
import { namedAsArn, numberedEntityName, renameCaseTwins } from './case-twin-names.js';
import { artifactLocationHash, artifactLocationHead } from './sql-rows.js';

/*
 * The experiment tracking tables, migrated by Kysely's Migrator like the metadata store's, named in
 * the same scheme (`experiments:0001:tables`). They live in their own database file on SQLite
 * (see open-sql-experiment-store.ts), so they keep their own migration table.
 */

export const EXPERIMENT_MIGRATION_TABLE = 'loam_experiments_migration';
/** Makes the table recording which applied migrations an older Loam may run beside (ADR 0003); those sort after it. */
const COMPATIBLE_TABLE_MIGRATION = 'experiments:0013:compatible-migrations';

function tables(d: SqlDialect): Migration {
  return {
    // Kysely's Migrator wraps a migration in a transaction only where it thinks DDL is transactional
    // (PostgreSQL); SQLite's is too, and a crash between the drop and the rename must not leave a store
    // that can never migrate again — so the rebuild runs in one transaction on both.
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer;
      const s = (db as SqlDialect['db']).schema;
      const key = d.columnType('key');
      const text = d.columnType('text');
      const int = d.columnType('timestamp');
      const real = d.columnType('real');
      await s.createTable('mlflow_experiments')
        .addColumn('experiment_id', int, (c) => c.primaryKey())
        .addColumn('name', key, (c) => c.notNull().unique())
        .addColumn('artifact_location', text, (c) => c.notNull())
        .addColumn('lifecycle_stage', key, (c) => c.notNull())
        .addColumn('creation_time', int, (c) => c.notNull())
        .addColumn('last_update_time', int, (c) => c.notNull())
        .execute();
      await s.createTable('mlflow_experiment_tags')
        .addColumn('experiment_id', int, (c) => c.notNull())
        .addColumn('key', key, (c) => c.notNull())
        .addColumn('value', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('mlflow_experiment_tags_pk', ['experiment_id', 'key'])
        .execute();
      await s.createTable('mlflow_runs')
        .addColumn('run_id', key, (c) => c.primaryKey())
        // A compact integer key for the metric points, which are most of the rows.
        .addColumn('run_key', int, (c) => c.notNull().unique())
        .addColumn('experiment_id', int, (c) => c.notNull())
        .addColumn('run_name', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('start_time', int, (c) => c.notNull())
        .addColumn('end_time', int)
        .addColumn('lifecycle_stage', key, (c) => c.notNull())
        .addColumn('artifact_uri', text, (c) => c.notNull())
        .addColumn('deleted_time', int)
        .execute();
      await s.createIndex('mlflow_runs_by_experiment').on('mlflow_runs').columns(['experiment_id', 'lifecycle_stage', 'start_time']).execute();
      for (const t of ['mlflow_params', 'mlflow_tags']) {
        await s.createTable(t)
          .addColumn('run_id', key, (c) => c.notNull())
          .addColumn('key', key, (c) => c.notNull())
          .addColumn('value', text, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t}_pk`, ['run_id', 'key'])
          .execute();
        await s.createIndex(`${t}_by_key`).on(t).columns(['key', 'value']).execute();
      }
      // Every point (made unique per point by experiments:0004).
      await s.createTable('mlflow_metrics')
        .addColumn('run_key', int, (c) => c.notNull())
        .addColumn('key', key, (c) => c.notNull())
        .addColumn('step', int, (c) => c.notNull())
        .addColumn('timestamp', int, (c) => c.notNull())
        .addColumn('value', real, (c) => c.notNull())
        .addColumn('is_nan', int, (c) => c.notNull())
        .execute();
      await s.createIndex('mlflow_metrics_history').on('mlflow_metrics').columns(['run_key', 'key', 'step', 'timestamp']).execute();
      await s.createTable('mlflow_latest_metrics')
        .addColumn('run_id', key, (c) => c.notNull())
        .addColumn('key', key, (c) => c.notNull())
        .addColumn('step', int, (c) => c.notNull())
        .addColumn('timestamp', int, (c) => c.notNull())
        .addColumn('value', real, (c) => c.notNull())
        .addColumn('is_nan', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('mlflow_latest_metrics_pk', ['run_id', 'key'])
        .execute();
      await s.createIndex('mlflow_latest_metrics_by_key').on('mlflow_latest_metrics').columns(['key', 'value']).execute();
      await s.createTable('mlflow_datasets')
        .addColumn('dataset_id', key, (c) => c.primaryKey())
        .addColumn('experiment_id', int, (c) => c.notNull())
        .addColumn('name', key, (c) => c.notNull())
        .addColumn('digest', key, (c) => c.notNull())
        .addColumn('source_type', text, (c) => c.notNull())
        .addColumn('source', text, (c) => c.notNull())
        .addColumn('schema', text)
        .addColumn('profile', text)
        .addUniqueConstraint('mlflow_datasets_identity', ['experiment_id', 'name', 'digest'])
        .execute();
      await s.createTable('mlflow_inputs')
        .addColumn('run_id', key, (c) => c.notNull())
        .addColumn('dataset_id', key, (c) => c.notNull())
        .addColumn('tags', text, (c) => c.notNull())
        .addColumn('context', text)
        .addPrimaryKeyConstraint('mlflow_inputs_pk', ['run_id', 'dataset_id'])
        .execute();
      await sql`select 1`.execute(db);
    },
  };
}

/*
 * Params, tags and latest metrics keyed by the integer run key instead of the 32-character run id,
 * with (key, value, run_key) indexes that answer a search condition from the index alone; and the
 * run key in the experiment index, so a scan of an experiment's runs checks those conditions (and
 * stops early when ordered by start time) without reading each run's row.
 */
function runKeys(d: SqlDialect): Migration {
  return {
    // Kysely's Migrator wraps a migration in a transaction only where it thinks DDL is transactional
    // (PostgreSQL); SQLite's is too, and a crash between the drop and the rename must not leave a store
    // that can never migrate again — so the rebuild runs in one transaction on both.
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer;
      const s = (db as SqlDialect['db']).schema;
      const key = d.columnType('key');
      const text = d.columnType('text');
      const int = d.columnType('timestamp');
      const real = d.columnType('real');
      // Build the new table beside the old one, copy, drop the old (and its indexes), take its name.
      const rebuild = async (table: string, columns: readonly string[], create: (t: string) => { execute(): Promise<void> }, index: readonly string[]) => {
        const next = `${table}_by_run_key`;
        await create(next).execute();
        const cols = sql.join(columns.map((c) => sql.ref(`x.${c}`)));
        await sql`insert into ${sql.table(next)} (run_key, ${sql.join(columns.map((c) => sql.ref(c)))})
          select r.run_key, ${cols} from ${sql.table(table)} x join mlflow_runs r on r.run_id = x.run_id`.execute(db);
        await s.dropTable(table).execute();
        await s.alterTable(next).renameTo(table).execute();
        await s.createIndex(`${table}_by_key`).on(table).columns([...index]).execute();
      };
      for (const t of ['mlflow_params', 'mlflow_tags']) {
        await rebuild(t, ['key', 'value'], (n) => s.createTable(n)
          .addColumn('run_key', int, (c) => c.notNull())
          .addColumn('key', key, (c) => c.notNull())
          .addColumn('value', text, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t}_run_key_pk`, ['run_key', 'key']), ['key', 'value', 'run_key']);
      }
      await rebuild('mlflow_latest_metrics', ['key', 'step', 'timestamp', 'value', 'is_nan'], (n) => s.createTable(n)
        .addColumn('run_key', int, (c) => c.notNull())
        .addColumn('key', key, (c) => c.notNull())
        .addColumn('step', int, (c) => c.notNull())
        .addColumn('timestamp', int, (c) => c.notNull())
        .addColumn('value', real, (c) => c.notNull())
        .addColumn('is_nan', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('mlflow_latest_metrics_run_key_pk', ['run_key', 'key']), ['key', 'is_nan', 'value', 'run_key']);
      await s.dropIndex('mlflow_runs_by_experiment').execute();
      await s.createIndex('mlflow_runs_by_experiment').on('mlflow_runs').columns(['experiment_id', 'lifecycle_stage', 'start_time', 'run_key']).execute();
    },
  };
}

/*
 * The next experiment id and run key, one row each, taken by `update … set value = value + 1
 * returning value` inside the creating transaction. Reading max() + 1 instead let concurrent creators
 * on PostgreSQL take the same id, and all but one failed; the row lock makes them take turns.
 */
function idCounters(d: SqlDialect): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer as SqlDialect['db'];
      await db.schema.createTable(ID_COUNTERS)
        .addColumn('name', d.columnType('key'), (c) => c.primaryKey())
        .addColumn('value', d.columnType('timestamp'), (c) => c.notNull())
        .execute();
      await sql`insert into ${sql.table(ID_COUNTERS)} (name, value) select 'experiment_id', coalesce(max(experiment_id), 0) from mlflow_experiments`.execute(db);
      await sql`insert into ${sql.table(ID_COUNTERS)} (name, value) select 'run_key', coalesce(max(run_key), 0) from mlflow_runs`.execute(db);
    },
  };
}

export const ID_COUNTERS = 'mlflow_id_counters';

/** A metric point's identity, as MLflow's `metrics` primary key: NaN is stored as 0 with is_nan set. */
export const METRIC_POINT_COLUMNS = ['run_key', 'key', 'step', 'timestamp', 'value', 'is_nan'] as const;

/*
 * A metric point is stored once, as MLflow's SQL store keys it (run, key, timestamp, step, value,
 * is_nan): a client retrying a log-batch whose answer it lost had every point stored twice. Earlier
 * stores may hold such copies, so the table is rebuilt with one row per distinct point (a NaN point's
 * value made 0 first, so its copies compare equal) and a unique index over the point, which also
 * serves metric history (it starts with the old history index's columns) and lets the insert skip
 * a point already there.
 */
function uniqueMetricPoints(d: SqlDialect, log: Logger): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer as SqlDialect['db'];
      const s = db.schema;
      // Start-up waits for the copy and the index (minutes for tens of millions of points): say why.
      const [{ rows }] = (await sql<{ rows: number }>`select count(*) as rows from mlflow_metrics`.execute(db)).rows as [{ rows: number }];
      if (Number(rows) > 0) log.info({ table: 'mlflow_metrics', rows: Number(rows), store: d.label }, 'rebuilding mlflow_metrics with one row per metric point; the server starts when it is done');
      const int = d.columnType('timestamp');
      await s.createTable('mlflow_metric_points')
        .addColumn('run_key', int, (c) => c.notNull())
        .addColumn('key', d.columnType('key'), (c) => c.notNull())
        .addColumn('step', int, (c) => c.notNull())
        .addColumn('timestamp', int, (c) => c.notNull())
        .addColumn('value', d.columnType('real'), (c) => c.notNull())
        .addColumn('is_nan', int, (c) => c.notNull())
        .execute();
      await sql`insert into mlflow_metric_points (run_key, key, step, timestamp, value, is_nan)
        select distinct run_key, key, step, timestamp, case when is_nan <> 0 then 0 else value end, case when is_nan <> 0 then 1 else 0 end from mlflow_metrics`.execute(db);
      await s.dropTable('mlflow_metrics').execute();
      await s.alterTable('mlflow_metric_points').renameTo('mlflow_metrics').execute();
      await s.createIndex('mlflow_metrics_point').unique().on('mlflow_metrics').columns([...METRIC_POINT_COLUMNS]).execute();
    },
  };
}

/*
 * Each experiment's artifact location in an indexed form (the hash of its artifactLocationKey, see
 * sql-rows.ts), so the S3 API finds the experiments holding a key of the MLflow bucket by its folders'
 * keys instead of reading every experiment for each request. Locations never change after creation;
 * existing rows are hashed here.
 */
function artifactLocationHashes(d: SqlDialect): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer as SqlDialect['db'];
      await db.schema.alterTable('mlflow_experiments').addColumn('artifact_location_hash', d.columnType('key')).execute();
      const rows = (await db.selectFrom('mlflow_experiments').select(['experiment_id', 'artifact_location']).execute()) as { experiment_id: number; artifact_location: string }[];
      for (const r of rows) {
        const hash = artifactLocationHash(r.artifact_location);
        if (hash !== null) await db.updateTable('mlflow_experiments').set({ artifact_location_hash: hash }).where('experiment_id', '=', r.experiment_id).execute();
      }
      await db.schema.createIndex('mlflow_experiments_by_location').on('mlflow_experiments').columns(['artifact_location_hash']).execute();
    },
  };
}

/*
 * Each experiment's artifact location's key again, its first 256 code points in an ordered index
 * (`artifact_location_head`, see sql-rows.ts), so a job's S3 prefix in the MLflow bucket finds the
 * experiments whose location starts under it with a range of the index instead of reading every
 * experiment (the hash of experiments:0005 answers only whole keys). Existing rows are filled here.
 */
function artifactLocationHeads(d: SqlDialect): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer as SqlDialect['db'];
      await db.schema.alterTable('mlflow_experiments').addColumn('artifact_location_head', d.columnType('key')).execute();
      const rows = (await db.selectFrom('mlflow_experiments').select(['experiment_id', 'artifact_location']).execute()) as { experiment_id: number; artifact_location: string }[];
      for (const r of rows) {
        const head = artifactLocationHead(r.artifact_location);
        if (head !== null) await db.updateTable('mlflow_experiments').set({ artifact_location_head: head }).where('experiment_id', '=', r.experiment_id).execute();
      }
      await db.schema.createIndex('mlflow_experiments_by_location_head').on('mlflow_experiments').columns(['artifact_location_head']).execute();
    },
  };
}

/*
 * SageMaker's experiment entities (ADR 0009): a trial component names a run and keeps what MLflow's model
 * has no place for (display name, status message, source, artifacts, which params are numbers); a trial
 * groups components of one experiment; links associate them (a component may be in several trials).
 */
function sagemakerEntities(d: SqlDialect): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const s = (outer as SqlDialect['db']).schema;
      const key = d.columnType('key');
      const text = d.columnType('text');
      const int = d.columnType('timestamp');
      await s.createTable('sm_trial_components')
        .addColumn('name', key, (c) => c.primaryKey())
        .addColumn('run_id', key, (c) => c.notNull().unique())
        .addColumn('display_name', text)
        .addColumn('status_message', text)
        .addColumn('source_arn', key)
        .addColumn('source_type', text)
        .addColumn('number_params', text, (c) => c.notNull())
        .addColumn('input_artifacts', text, (c) => c.notNull())
        .addColumn('output_artifacts', text, (c) => c.notNull())
        .addColumn('metadata', text)
        .addColumn('creation_time', int, (c) => c.notNull())
        .addColumn('last_modified_time', int, (c) => c.notNull())
        .execute();
      await s.createIndex('sm_trial_components_by_source').on('sm_trial_components').columns(['source_arn']).execute();
      await s.createTable('sm_trials')
        .addColumn('name', key, (c) => c.primaryKey())
        .addColumn('experiment_id', int, (c) => c.notNull())
        .addColumn('display_name', text)
        .addColumn('source_arn', text)
        .addColumn('source_type', text)
        .addColumn('metadata', text)
        .addColumn('tags', text, (c) => c.notNull())
        .addColumn('creation_time', int, (c) => c.notNull())
        .addColumn('last_modified_time', int, (c) => c.notNull())
        .execute();
      await s.createIndex('sm_trials_by_experiment').on('sm_trials').columns(['experiment_id', 'name']).execute();
      await s.createTable('sm_trial_links')
        .addColumn('trial_name', key, (c) => c.notNull())
        .addColumn('component_name', key, (c) => c.notNull())
        .addColumn('creation_time', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('sm_trial_links_pk', ['trial_name', 'component_name'])
        .execute();
      await s.createIndex('sm_trial_links_by_component').on('sm_trial_links').columns(['component_name', 'trial_name']).execute();
    },
  };
}

/*
 * SageMaker's trial component and trial names are case-insensitive (their ARNs lower-cased): one name in
 * any case is one entity, found by lower(name). A store written before this migration may hold twins
 * (`My-Run` and `my-run`): all but one are renamed first (`My-Run-2`), so the index can be built. The one
 * named in lower case (the ARN's name, which getTrial/getTrialComponent found exactly) keeps its name, else the oldest.
 */
function caseInsensitiveEntityNames(d: SqlDialect, log: Logger): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer as SqlDialect['db'];
      await renameCaseTwins(db, { table: 'sm_trial_components', order: ['creation_time', 'name'], rename: numberedEntityName, references: [{ table: 'sm_trial_links', column: 'component_name' }] }, log, d.label);
      await renameCaseTwins(db, { table: 'sm_trials', order: ['creation_time', 'name'], rename: numberedEntityName, references: [{ table: 'sm_trial_links', column: 'trial_name' }] }, log, d.label);
      await db.schema.createIndex('sm_trial_components_by_lower_name').on('sm_trial_components').unique().expression(sql`lower(name)`).execute();
      await db.schema.createIndex('sm_trials_by_lower_name').on('sm_trials').unique().expression(sql`lower(name)`).execute();
    },
  };
}

/*
 * An experiment's SageMaker ARN holds its name lower-cased, so MLflow's `Foo` and `foo` would share one
 * (ADR 0009): names are unique in any case from now on. Twins an older store holds are renamed first, all
 * but one: an active one before a deleted one, then the one named in lower case (the ARN's name, which the
 * ARN's resolver looked up exactly first), then the oldest, keeps its name (`Foo` becomes `Foo-<its id>`).
 */
function caseInsensitiveExperimentNames(d: SqlDialect, log: Logger): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      const db = outer as SqlDialect['db'];
      await renameCaseTwins(db, {
        table: 'mlflow_experiments', order: ['lifecycle_stage', 'experiment_id'], rank: (row) => (row['lifecycle_stage'] === 'active' ? 0 : 2) + namedAsArn(row),
        rename: (row, attempt) => `${row['name'] as string}-${String(row['experiment_id'])}${attempt > 1 ? `-${attempt}` : ''}`,
      }, log, d.label);
      await db.schema.createIndex('mlflow_experiments_by_lower_name').on('mlflow_experiments').unique().expression(sql`lower(name)`).execute();
    },
  };
}

/* A trial's tags are the shared tag table's, as every resource's (ADR 0009): the column experiments:0006 made for them never held any. */
function dropTrialTagsColumn(): Migration {
  return {
    async up(outer: Kysely<unknown>) {
      if (!outer.isTransaction) return outer.transaction().execute((tx) => this.up!(tx));
      await (outer as SqlDialect['db']).schema.alterTable('sm_trials').dropColumn('tags').execute();
    },
  };
}

/*
 * Trial components in the order of their times, then names: Search's default sort (LastModifiedTime) and
 * ListTrialComponents' (CreationTime) read a page as a range of an index from a keyset position, where they
 * read and sorted every component.
 */
const COMPONENT_TIME_INDEXES: readonly OnlineIndex[] = [
  { name: 'sm_trial_components_by_last_modified', table: 'sm_trial_components', columns: ['last_modified_time', 'name'] },
  { name: 'sm_trial_components_by_creation', table: 'sm_trial_components', columns: ['creation_time', 'name'] },
];

/*
 * Trials in the order of their times, then names: Search's default sort of trials (LastModifiedTime) and
 * ListTrials' (CreationTime) read a page as a range of an index from a keyset position, where they read and
 * sorted every trial.
 */
const TRIAL_TIME_INDEXES: readonly OnlineIndex[] = [
  { name: 'sm_trials_by_last_modified', table: 'sm_trials', columns: ['last_modified_time', 'name'] },
  { name: 'sm_trials_by_creation', table: 'sm_trials', columns: ['creation_time', 'name'] },
];

/**
 * The experiment store's migrations. One marked `compatible` (FlaggedMigration) records so in the database when
 * it is applied, and an older Loam runs beside it; it must sort after experiments:0013.
 */
export function experimentMigrations(d: SqlDialect, log: Logger = silentLogger): Record<string, Migration> {
  return unboundedMigrations(d, recordingCompatible(EXPERIMENT_MIGRATION_TABLE, COMPATIBLE_TABLE_MIGRATION, {
    'experiments:0001:tables': tables(d),
    'experiments:0002:run-keys': runKeys(d),
    'experiments:0003:id-counters': idCounters(d),
    'experiments:0004:unique-metric-points': uniqueMetricPoints(d, log),
    'experiments:0005:artifact-location-hashes': artifactLocationHashes(d),
    'experiments:0006:sagemaker-entities': sagemakerEntities(d),
    'experiments:0007:case-insensitive-entity-names': caseInsensitiveEntityNames(d, log),
    'experiments:0008:case-insensitive-experiment-names': caseInsensitiveExperimentNames(d, log),
    'experiments:0009:drop-trial-tags': dropTrialTagsColumn(),
    'experiments:0010:artifact-location-heads': artifactLocationHeads(d),
    'experiments:0011:component-time-indexes': onlineIndexesMigration(d, COMPONENT_TIME_INDEXES),
    'experiments:0012:trial-time-indexes': onlineIndexesMigration(d, TRIAL_TIME_INDEXES),
    [COMPATIBLE_TABLE_MIGRATION]: compatibleTableMigration(d, EXPERIMENT_MIGRATION_TABLE),
  } satisfies Record<string, FlaggedMigration>));
}

/**
 * The Migrator for the experiment tables (call `d.prepare()` first). `newer`: applied migrations of a newer Loam
 * that it recorded as compatible, which this one keeps as they are (the Migrator needs only to see they exist).
 */
export async function experimentMigrator(d: SqlDialect, log: Logger = silentLogger, newer: readonly string[] = []): Promise<Migrator> {
  const kept = Object.fromEntries(newer.map((n) => [n, { up: async () => {} }]));
  return new Migrator({
    db: d.db,
    provider: { getMigrations: async () => ({ ...experimentMigrations(d, log), ...kept }) },
    migrationTableName: EXPERIMENT_MIGRATION_TABLE,
    migrationLockTableName: `${EXPERIMENT_MIGRATION_TABLE}_lock`,
    ...(newer.length > 0 ? { allowUnorderedMigrations: true } : {}),
    ...migratorSchema(d),
  });
}

/**
 * Brings the experiment tables up to date, running beside a newer Loam's migrations it recorded as compatible.
 * @throws InternalError for a database a newer Loam migrated otherwise, before anything runs.
 */
export async function migrateExperiments(d: SqlDialect, log: Logger): Promise<void> {
  await d.prepare();
  const known = Object.keys(experimentMigrations(d, log));
  const unknown = (await appliedMigrations(d, EXPERIMENT_MIGRATION_TABLE)).filter((n) => !known.includes(n));
  const compatible = unknown.length > 0 ? await compatibleMigrations(d, EXPERIMENT_MIGRATION_TABLE) : new Set<string>();
  refuseNewerSchema(d, 'experiment store', unknown.filter((n) => !compatible.has(n)));
  if (!(await allApplied(d, EXPERIMENT_MIGRATION_TABLE, [...known, ...unknown]))) {
    const migrator = await experimentMigrator(d, log, unknown);
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === 'Success') log.info({ migration: r.migrationName, store: d.label }, 'experiment store migration applied');
      if (r.status === 'Error') log.error({ migration: r.migrationName, store: d.label }, 'experiment store migration failed');
    }
    if (error !== undefined) throw error;
  }
  // Every start: an index a migration left to an online build, or one a crash interrupted, is built now.
  // The indexes the migrations declare (as `loam doctor` reads them): no list kept beside them.
  await d.buildIndexesOnline?.(declaredOnlineIndexes(experimentMigrations(d, log)).map((x) => x.index));
}
