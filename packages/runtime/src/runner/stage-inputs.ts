import { join, sep } from 'node:path';
import { text } from 'node:stream/consumers';
import { manifestPrefixOf, type JobChannelSpec } from '@loam/contracts';
import { compareKeys } from '@loam/core/ports/artifact-keys';
import { ArchiveRefused } from './archive-extract.js';
import { download, listAll, parseS3, safeRelative, type Artifacts } from './artifacts.js';
import { sharedListing, type Planned } from './shared-listing.js';

import { ClientError } from './client-error.js';

export { ClientError };


/** S3Prefix: every key under the prefix, named by its path below the prefix. */
async function planPrefix(store: Artifacts, uri: string, exact: boolean, signal?: AbortSignal): Promise<Planned[]> {
  const { bucket, key } = parseS3(uri);
  const objects = await listAll(store, bucket, key, signal);
  return objects.filter((o) => !o.key.endsWith('/') && (!exact || o.key === key)).map((o) => {
    const rest = o.key.slice(key.length);
    // `p/train` and `p/train/` both mean the folder: its files land at the channel's top level; a
    // prefix that is a whole key names that one file; a partial name keeps the path after its folder.
    const rel = key === '' || key.endsWith('/') || rest.startsWith('/') ? rest.replace(/^\/+/, '') : rest === '' ? o.key.slice(o.key.lastIndexOf('/') + 1) : o.key.slice(key.lastIndexOf('/') + 1);
    return { bucket, key: o.key, rel };
  });
}

/**
 * ManifestFile: `[{"prefix": "s3://b/p/"}, "rel1", "rel2", …]`; each object is staged under its relative
 * name. `checked`: the prefix the manifest named when the job's request was checked against its
 * caller's S3 permissions (ADR 0019); a manifest rewritten since to name another is refused.
 */
async function planManifest(store: Artifacts, uri: string, checked: string | undefined, signal?: AbortSignal): Promise<Planned[]> {
  const ref = parseS3(uri);
  let manifest: unknown;
  try {
    const { body } = await store.get(ref, signal ? { signal } : {});
    manifest = JSON.parse(await text(body));
  } catch (e) {
    throw new ClientError(`Manifest '${uri}' could not be read as JSON: ${(e as Error).message}`);
  }
  const named = manifestPrefixOf(manifest);
  if (named === undefined || !Array.isArray(manifest)) {
    throw new ClientError(`Manifest '${uri}' must be a JSON array starting with {"prefix": "s3://bucket/prefix/"}.`);
  }
  if (checked !== undefined && named !== checked) {
    throw new ClientError(`Manifest '${uri}' names prefix '${named}', but it named '${checked}' when the job was created and its caller's access was checked; create the job again to use the new one.`);
  }
  const prefix = parseS3(named);
  return manifest.slice(1).map((entry, i) => {
    if (typeof entry !== 'string') throw new ClientError(`Manifest '${uri}' entry ${i + 1} is not a string.`);
    return { bucket: prefix.bucket, key: `${prefix.key}${entry}`, rel: entry };
  });
}

/**
 * `items` in the order ShuffleConfig's `seed` gives them: a Fisher–Yates shuffle (from the last index
 * down, each swap partner `next() mod (i + 1)`) driven by SplitMix64 seeded with the seed's 64-bit two's
 * complement. The same seed and list always give the same order, on every host and every run; it is
 * Loam's permutation, not SageMaker's (whose generator is not documented). Returns a new array.
 */
export function seededShuffle<T>(items: readonly T[], seed: number | bigint): T[] {
  const mask = (1n << 64n) - 1n;
  let state = BigInt.asUintN(64, BigInt(seed));
  const next = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Number(next() % BigInt(i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The seed of one Pipe-mode epoch, from the channel's ShuffleConfig seed: epoch 0 uses the seed itself
 * (so its order is the one File mode stages), epoch `e` ≥ 1 the SplitMix64 mix of `seed + e·γ` (γ =
 * 0x9e3779b97f4a7c15, SplitMix64's own increment). The same seed gives the same sequence of orders on every
 * host and every run, and a different order from one epoch to the next (SageMaker reshuffles each epoch).
 */
export function epochSeed(seed: number, epoch: number): bigint {
  const base = BigInt.asUintN(64, BigInt(seed));
  if (epoch === 0) return base;
  const mask = (1n << 64n) - 1n;
  let z = (base + BigInt(epoch) * 0x9e3779b97f4a7c15n) & mask;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
  return z ^ (z >> 31n);
}

/** Which host of the job stages, and where its hosts share listings. */
export interface StagingHost {
  readonly index: number;
  readonly count: number;
  /**
   * A directory every host of this attempt shares (RunnerInput.listingDir): a ShardedByS3Key channel of
   * a multi-host job is dealt from the one listing written there (see sharedListing). Without it each
   * host deals from its own listing.
   */
  readonly listingDir?: string;
}

/**
 * Refuses a plan in which one object's file would be a directory of another's (`p` and `p/q`: S3 holds
 * both keys, a file system cannot hold `p` as both a file and a directory). SageMaker documents such
 * "ambiguous file names" as failing a model's deployment (S3ModelDataSource); File-mode channels and
 * transform inputs meet the same clash. The reason names both objects, before anything is downloaded.
 */
export function refuseFileDirectoryClash(what: string, files: readonly (Planned & { rel: string })[], source = 'the channel'): void {
  const clashing = (a: Planned, b: Planned, why: string) =>
    new ClientError(
      `${what}: objects 's3://${a.bucket}/${a.key}' and 's3://${b.bucket}/${b.key}' cannot both be staged: File mode downloads each object to a file named by its key, and ${why}. Move one of them, or point ${source} at a prefix that holds only one.`,
    );
  const byRel = new Map<string, Planned & { rel: string }>();
  for (const f of files) {
    // Two objects named alike below the prefix (`x` and `/x`, as `dup/x` and `dup//x` are under `dup/`) would be one file.
    const same = byRel.get(f.rel);
    if (same && (same.bucket !== f.bucket || same.key !== f.key)) {
      const [a, b] = compareKeys(same.key, f.key) <= 0 ? [same, f] : [f, same];
      throw clashing(a, b, `both would be '${f.rel}'`);
    }
    byRel.set(f.rel, f);
  }
  for (const f of files) {
    for (let cut = f.rel.indexOf(sep); cut > 0; cut = f.rel.indexOf(sep, cut + 1)) {
      const clash = byRel.get(f.rel.slice(0, cut));
      if (clash) throw clashing(clash, f, `'${clash.rel}' cannot be both a file and a directory`);
    }
  }
}

/** How reasons name this input: the channel, or the request field it came from (a transform's input). */
function described(channel: JobChannelSpec): string {
  return channel.describedAs ?? `Channel '${channel.name}'`;
}

/**
 * Lists a channel's objects (S3Prefix keys in key order, ManifestFile entries in the manifest's order),
 * from the listing every host shares when a multi-host ShardedByS3Key channel has `host.listingDir`.
 * @throws ClientError when the data is missing or the manifest is not one.
 */
export async function planChannel(store: Artifacts, channel: JobChannelSpec, host: StagingHost, signal?: AbortSignal): Promise<Planned[]> {
  const what = described(channel);
  const plan = () => (channel.s3DataType === 'ManifestFile' ? planManifest(store, channel.s3Uri, channel.manifestPrefix, signal) : planPrefix(store, channel.s3Uri, channel.exactObject === true, signal));
  const shared = channel.distribution === 'ShardedByS3Key' && host.count > 1 ? host.listingDir : undefined;
  let planned: Planned[];
  try {
    planned = shared !== undefined ? await sharedListing(shared, channel.name, plan) : await plan();
  } catch (e) {
    if (e instanceof ClientError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ResourceNotFound') throw new ClientError(`${what}: ${channel.s3Uri} does not exist (${(e as Error).message})`);
    throw e;
  }
  if (planned.length === 0) throw new ClientError(`${what}: no data found at ${channel.s3Uri}.`);
  return planned;
}

/**
 * The objects of `planned` this host reads, in the order it reads them: shuffled with `seed` when given
 * (as SageMaker shuffles before it shards), then, for ShardedByS3Key, host i of N keeps positions i, i+N, ….
 */
export function hostObjects(planned: readonly Planned[], channel: JobChannelSpec, host: StagingHost, seed: number | bigint | undefined): Planned[] {
  let out = seed !== undefined ? seededShuffle(planned, seed) : [...planned];
  if (channel.distribution === 'ShardedByS3Key') out = out.filter((_, i) => i % host.count === host.index);
  return out;
}

/**
 * Stages one channel into `dir`: S3Prefix or ManifestFile; FullyReplicated (every host gets every
 * object) or ShardedByS3Key (host i of N gets the objects whose index in key order is i mod N, or in
 * the order `shuffleSeed` gives them when the channel has ShuffleConfig, as SageMaker shuffles before it shards;
 * every host deals from the same listing when `host.listingDir` is given); Gzip
 * objects are decompressed and lose their `.gz` suffix (unless `keepCompressedNames`). Returns the number of files written.
 * @throws ClientError when the data is missing or a name would leave the channel directory.
 */
export async function stageChannel(store: Artifacts, channel: JobChannelSpec, dir: string, host: StagingHost, signal?: AbortSignal): Promise<number> {
  const what = described(channel);
  const planned = hostObjects(await planChannel(store, channel, host, signal), channel, host, channel.shuffleSeed);
  const gunzip = channel.compression === 'Gzip';
  const files = planned.map((p) => {
    const rel = safeRelative(gunzip && channel.keepCompressedNames !== true ? p.rel.replace(/\.gz$/, '') : p.rel);
    if (!rel) throw new ClientError(`${what}: object '${p.key}' has a name that cannot be a file inside the channel directory.`);
    return { ...p, rel };
  });
  refuseFileDirectoryClash(what, files);
  for (const p of files) {
    const rel = p.rel;
    try {
      await download(store, { bucket: p.bucket, key: p.key }, join(dir, rel), gunzip, signal);
    } catch (e) {
      if ((e as { code?: string }).code === 'ResourceNotFound') throw new ClientError(`${what}: s3://${p.bucket}/${p.key} does not exist${channel.s3DataType === 'ManifestFile' ? ` (listed in the manifest ${channel.s3Uri})` : ''}.`);
      if ((e as { code?: string }).code === 'Z_DATA_ERROR') throw new ClientError(`${what}: s3://${p.bucket}/${p.key} is not gzip data (CompressionType is Gzip).`);
      if (e instanceof ArchiveRefused) throw new ClientError(`${what}: s3://${p.bucket}/${p.key} was refused: ${e.message}.`);
      throw e;
    }
  }
  return planned.length;
}
