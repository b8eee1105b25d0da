import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { AddTagsCommand, DeleteTagsCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { awsCli, boto3, type AwsLoam } from './aws-loam.test-support.js';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** The error codes a client reports for the refusals every client must see the same way. */
export interface ErrorCodes {
  readonly missingResource: string;
  readonly wrongSecretJson: string;
  readonly wrongSecretS3: string;
  readonly unknownKeyJson: string;
  readonly unknownKeyS3: string;
  readonly unknownEndpoint: string;
}

/**
 * One AWS client driven the way its users drive it. Every client runs the same scenario
 * (client-matrix.test.ts); the training and endpoint steps join it when those capabilities land.
 */
export interface ClientDriver {
  readonly name: string;
  createBucket(bucket: string): Promise<void>;
  /** Uploads files the way the client's users upload a training set (one command / call for all). */
  upload(bucket: string, files: ReadonlyMap<string, Buffer>): Promise<void>;
  /** Every key under the prefix, fetched `pageSize` at a time (continuation tokens). */
  listKeys(bucket: string, prefix: string, pageSize: number): Promise<string[]>;
  download(bucket: string, keys: readonly string[]): Promise<Buffer[]>;
  deleteKeys(bucket: string, keys: readonly string[]): Promise<void>;
  deleteBucket(bucket: string): Promise<void>;
  addTags(arn: string, tags: readonly Tag[]): Promise<void>;
  listTags(arn: string): Promise<Tag[]>;
  deleteTags(arn: string, keys: readonly string[]): Promise<void>;
  errorCodes(missingArn: string): Promise<ErrorCodes>;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { name?: string }).name ?? 'unknown';
  }
}

export function jsSdkDriver(loam: AwsLoam): ClientDriver {
  const credentials = { accessKeyId: loam.accessKeyId, secretAccessKey: loam.secretAccessKey };
  const common = { endpoint: loam.url, region: 'us-east-1', maxAttempts: 1 };
  const s3 = (c = credentials) => new S3Client({ ...common, credentials: c, forcePathStyle: true });
  const sm = (c = credentials) => new SageMakerClient({ ...common, credentials: c });
  return {
    name: '@aws-sdk (JavaScript v3)',
    createBucket: async (Bucket) => void (await s3().send(new CreateBucketCommand({ Bucket }))),
    async upload(Bucket, files) {
      for (const [Key, Body] of files) await s3().send(new PutObjectCommand({ Bucket, Key, Body }));
    },
    async listKeys(Bucket, Prefix, pageSize) {
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3(), pageSize }, { Bucket, Prefix })) keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
      return keys;
    },
    download: (Bucket, keys) => Promise.all(keys.map(async (Key) => Buffer.from(await (await s3().send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray()))),
    deleteKeys: async (Bucket, keys) => void (await s3().send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }))),
    deleteBucket: async (Bucket) => void (await s3().send(new DeleteBucketCommand({ Bucket }))),
    addTags: async (ResourceArn, Tags) => void (await sm().send(new AddTagsCommand({ ResourceArn, Tags: [...Tags] }))),
    listTags: async (ResourceArn) => ((await sm().send(new ListTagsCommand({ ResourceArn }))).Tags ?? []) as Tag[],
    deleteTags: async (ResourceArn, TagKeys) => void (await sm().send(new DeleteTagsCommand({ ResourceArn, TagKeys: [...TagKeys] }))),
    async errorCodes(missingArn) {
      const wrong = { ...credentials, secretAccessKey: 'not-the-secret' };
      const unknown = { accessKeyId: 'LKIAUNKNOWNKEY000000', secretAccessKey: 'x' };
      const runtime = new SageMakerRuntimeClient({ ...common, credentials });
      return {
        missingResource: await codeOf(sm().send(new ListTagsCommand({ ResourceArn: missingArn }))),
        wrongSecretJson: await codeOf(sm(wrong).send(new ListTagsCommand({ ResourceArn: missingArn }))),
        wrongSecretS3: await codeOf(s3(wrong).send(new CreateBucketCommand({ Bucket: 'never-created' }))),
        unknownKeyJson: await codeOf(sm(unknown).send(new ListTagsCommand({ ResourceArn: missingArn }))),
        unknownKeyS3: await codeOf(s3(unknown).send(new CreateBucketCommand({ Bucket: 'never-created' }))),
        unknownEndpoint: await codeOf(runtime.send(new InvokeEndpointCommand({ EndpointName: 'no-such-endpoint', ContentType: 'text/csv', Body: new TextEncoder().encode('1,2') }))),
      };
    },
  };
}

/** boto3 through Debian's /usr/bin/python3, profile `loam` of `<data-dir>/credentials`. */
export function boto3Driver(loam: AwsLoam): ClientDriver {
  const scratch = mkdtempSync(join(loam.dataDir, 'boto3-'));
  return {
    name: 'boto3 (Debian python3-boto3)',
    createBucket: async (bucket) => void (await boto3(loam, "client('s3').create_bucket(Bucket=ARGS['b']); print('{}')", { b: bucket })),
    async upload(bucket, files) {
      const paths = [...files].map(([key, body], i) => {
        const file = join(scratch, `upload-${i}.bin`);
        writeFileSync(file, body);
        return [file, key];
      });
      // upload_file: s3transfer switches to a multipart upload above 8 MiB.
      await boto3(loam, "s3 = client('s3')\nfor f, k in ARGS['files']: s3.upload_file(f, ARGS['b'], k)\nprint('{}')", { files: paths, b: bucket });
    },
    listKeys: (bucket, prefix, pageSize) =>
      boto3<string[]>(
        loam,
        "pages = client('s3').get_paginator('list_objects_v2').paginate(Bucket=ARGS['b'], Prefix=ARGS['p'], PaginationConfig={'PageSize': ARGS['n']})\nprint(json.dumps([o['Key'] for p in pages for o in p.get('Contents', [])]))",
        { b: bucket, p: prefix, n: pageSize },
      ),
    async download(bucket, keys) {
      const files = keys.map((k, i) => [join(scratch, `download-${i}.bin`), k]);
      await boto3(loam, "s3 = client('s3')\nfor f, k in ARGS['files']: s3.download_file(ARGS['b'], k, f)\nprint('{}')", { files, b: bucket });
      return files.map(([f]) => readFileSync(f as string));
    },
    deleteKeys: async (bucket, keys) =>
      void (await boto3(loam, "r = client('s3').delete_objects(Bucket=ARGS['b'], Delete={'Objects': [{'Key': k} for k in ARGS['k']]}); print(json.dumps(r.get('Errors', [])))", { b: bucket, k: keys })),
    deleteBucket: async (bucket) => void (await boto3(loam, "client('s3').delete_bucket(Bucket=ARGS['b']); print('{}')", { b: bucket })),
    addTags: async (arn, tags) => void (await boto3(loam, "client('sagemaker').add_tags(ResourceArn=ARGS['a'], Tags=ARGS['t']); print('{}')", { a: arn, t: tags })),
    listTags: (arn) => boto3<Tag[]>(loam, "print(json.dumps(client('sagemaker').list_tags(ResourceArn=ARGS['a'])['Tags']))", { a: arn }),
    deleteTags: async (arn, keys) => void (await boto3(loam, "client('sagemaker').delete_tags(ResourceArn=ARGS['a'], TagKeys=ARGS['k']); print('{}')", { a: arn, k: keys })),
    errorCodes: (missingArn) =>
      boto3<ErrorCodes>(
        loam,
        [
          "def bad(name, key_id=None, secret='not-the-secret'):",
          "    c = session.get_credentials()",
          "    return boto3.client(name, endpoint_url=ARGS['url'], region_name='us-east-1', aws_access_key_id=key_id or c.access_key, aws_secret_access_key=secret)",
          "print(json.dumps({",
          "  'missingResource': error_code(client('sagemaker').list_tags, ResourceArn=ARGS['a']),",
          "  'wrongSecretJson': error_code(bad('sagemaker').list_tags, ResourceArn=ARGS['a']),",
          "  'wrongSecretS3': error_code(bad('s3').create_bucket, Bucket='never-created'),",
          "  'unknownKeyJson': error_code(bad('sagemaker', 'LKIAUNKNOWNKEY000000', 'x').list_tags, ResourceArn=ARGS['a']),",
          "  'unknownKeyS3': error_code(bad('s3', 'LKIAUNKNOWNKEY000000', 'x').create_bucket, Bucket='never-created'),",
          "  'unknownEndpoint': error_code(client('sagemaker-runtime').invoke_endpoint, EndpointName='no-such-endpoint', ContentType='text/csv', Body=b'1,2'),",
          "}))",
        ].join('\n'),
        { a: missingArn },
      ),
  };
}

/** The aws CLI v2 at /usr/bin/aws, as its users type it. */
export function awsCliDriver(loam: AwsLoam): ClientDriver {
  const scratch = mkdtempSync(join(loam.dataDir, 'awscli-'));
  const ok = async (args: string[]) => {
    const r = await awsCli(loam, args);
    if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
  };
  // "An error occurred (ResourceNotFound) when calling …": the code the CLI shows its user.
  const code = async (args: string[], env?: AwsLoam) => {
    const r = await awsCli(env ?? loam, args);
    return r.code === 0 ? 'resolved' : (/An error occurred \(([^)]+)\)/.exec(r.stderr)?.[1] ?? `exit ${r.code}: ${r.stderr.trim()}`);
  };
  return {
    name: 'aws CLI (Debian awscli 2)',
    createBucket: async (bucket) => void (await ok(['s3api', 'create-bucket', '--bucket', bucket])),
    async upload(bucket, files) {
      const dir = mkdtempSync(join(scratch, 'upload-'));
      for (const [key, body] of files) {
        mkdirSync(dirname(join(dir, key)), { recursive: true });
        writeFileSync(join(dir, key), body);
      }
      // One `aws s3 cp --recursive`, which uploads in 8 MiB parts above 8 MiB.
      await ok(['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${bucket}/`]);
    },
    async listKeys(bucket, prefix, pageSize) {
      // --page-size makes the CLI follow continuation tokens itself, one request per page.
      const out = await ok(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', prefix, '--page-size', String(pageSize)]);
      return ((out['Contents'] ?? []) as { Key: string }[]).map((o) => o.Key);
    },
    async download(bucket, keys) {
      const out: Buffer[] = [];
      for (const [i, key] of keys.entries()) {
        const file = join(scratch, `download-${i}.bin`);
        await ok(['s3', 'cp', '--only-show-errors', `s3://${bucket}/${key}`, file]);
        out.push(readFileSync(file));
      }
      return out;
    },
    deleteKeys: async (bucket, keys) => void (await ok(['s3api', 'delete-objects', '--bucket', bucket, '--delete', JSON.stringify({ Objects: keys.map((Key) => ({ Key })) })])),
    deleteBucket: async (bucket) => void (await ok(['s3api', 'delete-bucket', '--bucket', bucket])),
    addTags: async (arn, tags) => void (await ok(['sagemaker', 'add-tags', '--resource-arn', arn, '--tags', JSON.stringify(tags)])),
    listTags: async (arn) => ((await ok(['sagemaker', 'list-tags', '--resource-arn', arn]))['Tags'] ?? []) as Tag[],
    deleteTags: async (arn, keys) => void (await ok(['sagemaker', 'delete-tags', '--resource-arn', arn, '--tag-keys', ...keys])),
    async errorCodes(missingArn) {
      // Other profiles in files of their own: a wrong secret, and a key id Loam never issued.
      const profile = (name: string, id: string, secret: string) => {
        const file = join(scratch, `${name}-credentials`);
        writeFileSync(file, `[loam]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`, { mode: 0o600 });
        return { ...loam, awsEnv: { ...loam.awsEnv, AWS_SHARED_CREDENTIALS_FILE: file } };
      };
      const wrong = profile('wrong', loam.accessKeyId, 'not-the-secret');
      const unknown = profile('unknown', 'LKIAUNKNOWNKEY000000', 'x');
      const body = join(scratch, 'body.csv');
      writeFileSync(body, '1,2');
      return {
        missingResource: await code(['sagemaker', 'list-tags', '--resource-arn', missingArn]),
        wrongSecretJson: await code(['sagemaker', 'list-tags', '--resource-arn', missingArn], wrong),
        wrongSecretS3: await code(['s3api', 'create-bucket', '--bucket', 'never-created'], wrong),
        unknownKeyJson: await code(['sagemaker', 'list-tags', '--resource-arn', missingArn], unknown),
        unknownKeyS3: await code(['s3api', 'create-bucket', '--bucket', 'never-created'], unknown),
        unknownEndpoint: await code(['sagemaker-runtime', 'invoke-endpoint', '--endpoint-name', 'no-such-endpoint', '--content-type', 'text/csv', '--body', `fileb://${body}`, join(scratch, 'out.json')]),
      };
    },
  };
}
