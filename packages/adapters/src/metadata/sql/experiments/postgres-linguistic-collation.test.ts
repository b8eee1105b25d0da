import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { adminQuery as admin, testPostgresUrl } from '../postgres-test-schema.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

// experimentsByArtifactLocationPrefix reads a range of `artifact_location_head`, from the prefix to the
// prefix with its last code point raised by one: that is the set of keys starting with the prefix only in
// code-point (bytewise) order, which the column's own collation ("C") gives. Under a database's linguistic
// default (ICU en-US here) ':' sorts before the digits, so the range `…/9` to `…/:` would be empty and a job's
// prefix `mlflow/9` would not reach experiments 9, 90, … (checkPrefix would not check them). The test
// database is C.UTF-8, where any collation passes: this one is made with a linguistic default.

it('finds experiments by the start of their location in a database whose default collation is linguistic', async () => {
  // A database of its own per attempt (a retried test makes another), dropped at the end.
  const database = `loam_test_icu_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${database} template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`);
  try {
    const url = new URL(testPostgresUrl);
    url.pathname = `/${database}`;
    const s = await openSqlExperimentStore({ url: url.toString() });
    try {
      const make = (name: string, artifactLocation: string) => s.createExperiment({ name, artifactLocation, artifactRoot: 'mlflow-artifacts:/', tags: [], time: 1 });
      const nine = await make('nine', 'mlflow-artifacts:/9');
      const ninety = await make('ninety', 'mlflow-artifacts:/90');
      const upper = await make('upper', 's3://b/data/A-1');
      const dash = await make('dash', 's3://b/data/a-b');
      await make('eight', 'mlflow-artifacts:/8');
      const find = async (prefix: string) => (await s.experimentsByArtifactLocationPrefix(prefix)).map((e) => e.experimentId);
      expect(await find('mlflow-artifacts:/9')).toEqual([nine, ninety]);
      expect(await find('s3://b/data/A')).toEqual([upper]);
      expect(await find('s3://b/data/a-')).toEqual([dash]);
      expect(await find('s3://b/data/')).toEqual([upper, dash]);
    } finally {
      await s.close();
    }
  } finally {
    await admin(`drop database if exists ${database} with (force)`);
  }
}, 120_000);
