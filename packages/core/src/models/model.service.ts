import { containerDataAccess, type DataAccess, type InputOf, type OutputOf, type operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import { retireLineageVertex } from '../lineage/lineage-lives.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import { parseS3Uri, type ArtifactStore } from '../ports/artifact-store.js';
import type { Filter, MetadataStore } from '../ports/metadata-store.js';
import type { ProcessImageConfig } from '../jobs/image-resolver.js';
import { validateTags } from '../tags/tag-rules.js';
import { modelsCollection, type ModelRecord, type ServingContainer } from './model.collections.js';
import { resolveServingImage } from './serving-image.js';
import { modelPackageContainer } from '../registry/deploy-gate.js';

type Ops = typeof operations;
type ContainerInput = NonNullable<InputOf<Ops['CreateModel']>['PrimaryContainer']>;

export interface ModelServiceOptions {
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly clock: Clock;
  readonly partition: Partition;
  /** `images.process` from config. */
  readonly processImages: Readonly<Record<string, ProcessImageConfig>>;
  /**
   * The caller's S3 permissions on a location (ADR 0019): a container taken from a model package
   * (ModelPackageName) is checked here, where the package's ModelDataUrl becomes known.
   */
  readonly authorizeData?: (principal: Principal, access: DataAccess) => Promise<unknown>;
}

/** CreateModel, DescribeModel, ListModels and DeleteModel. */
export class ModelService {
  constructor(private readonly o: ModelServiceOptions) {}

  /** @throws ValidationException naming the field (image, ModelDataUrl that does not exist), ResourceInUse. */
  async CreateModel(input: InputOf<Ops['CreateModel']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateModel']>> {
    if (input.Tags) validateTags(input.Tags);
    const list: { c: ContainerInput; field: string }[] = [];
    if (input.PrimaryContainer && input.Containers) {
      throw new ValidationError('Model must have either PrimaryContainer or Containers, not both.', [{ path: '/Containers', message: 'set only one of PrimaryContainer and Containers' }]);
    }
    if (input.PrimaryContainer) list.push({ c: input.PrimaryContainer, field: 'PrimaryContainer' });
    else (input.Containers ?? []).forEach((c, i) => list.push({ c, field: `Containers.${i}` }));
    if (list.length === 0) throw new ValidationError('Model needs a PrimaryContainer (or Containers).', [{ path: '/PrimaryContainer', message: 'required' }]);
    if (list.length > 1) {
      throw new ValidationError('Loam serves single-container models; inference pipelines (several Containers) are not supported yet.', [{ path: '/Containers', message: 'at most 1 container' }]);
    }
    const containers: ServingContainer[] = [];
    for (const { c, field } of list) containers.push(await this.resolveContainer(c, field, ctx));
    const arn = resourceArn(this.o.partition, 'model', input.ModelName);
    const { Tags, ...request } = input;
    const record: ModelRecord = {
      key: input.ModelName.toLowerCase(), name: input.ModelName, arn, creationTime: this.o.clock.now() / 1000, request, containers,
      networkIsolation: input.EnableNetworkIsolation === true,
    };
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(modelsCollection).insert(record);
        if (Tags?.length) await tx.tags.put(arn, Tags);
      });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`Cannot create already existing model "${arn}".`);
      throw e;
    }
    return { ModelArn: arn };
  }

  private async resolveContainer(given: ContainerInput, field: string, ctx: RequestContext): Promise<ServingContainer> {
    // Deploying from the Model Registry: the package supplies image and model data, after its group's approval rule.
    const fromPackage = given.ModelPackageName ? await modelPackageContainer(this.o.store, this.o.partition, given.ModelPackageName, field, given.Environment) : undefined;
    // The caller reads the package's model data (and the source archive it runs) as if naming them here.
    if (fromPackage && this.o.authorizeData) {
      for (const a of containerDataAccess(`/${field.replace('.', '/')}/ModelPackageName (${given.ModelPackageName})`, fromPackage)) await this.o.authorizeData(ctx.principal, a);
    }
    const c: ContainerInput = fromPackage ? { ...given, Image: fromPackage.Image, ModelDataUrl: fromPackage.ModelDataUrl, Environment: fromPackage.Environment } : given;
    if (!c.Image) throw new ValidationError(`Model container '${field}' needs an Image.`, [{ path: `/${field.replace('.', '/')}/Image`, message: 'required' }]);
    if (c.Mode === 'MultiModel') throw new ValidationError(`Multi-model containers are not supported yet ('${field}.Mode').`, [{ path: `/${field.replace('.', '/')}/Mode`, message: 'only SingleModel' }]);
    const environment = c.Environment ?? {};
    const image = resolveServingImage(c.Image, `${field}.Image`, environment, this.o.processImages);
    if (c.ModelDataUrl !== undefined) await this.checkModelData(c.ModelDataUrl, `${field}.ModelDataUrl`);
    else if (image.type === 'builtin') {
      throw new ValidationError(`Built-in algorithm image '${c.Image}' needs a ModelDataUrl (the model.tar.gz a training job wrote).`, [{ path: `/${field.replace('.', '/')}/ModelDataUrl`, message: 'required for a built-in algorithm' }]);
    }
    return { imageUri: c.Image, image, environment, ...(c.ModelDataUrl ? { modelDataUrl: c.ModelDataUrl } : {}), ...(c.ContainerHostname ? { hostname: c.ContainerHostname } : {}) };
  }

  private async checkModelData(url: string, field: string): Promise<void> {
    const path = `/${field.replace('.', '/').replace('.', '/')}`;
    const ref = parseS3Uri(url);
    if (!ref || !url.startsWith('s3://')) throw new ValidationError(`ModelDataUrl '${url}' at '${field}' must be an s3:// URI of a .tar.gz in Loam's artifact store.`, [{ path, message: 'must be s3://bucket/key.tar.gz' }]);
    if (!/\.tar\.gz$/.test(ref.key)) throw new ValidationError(`ModelDataUrl '${url}' at '${field}' must end in .tar.gz.`, [{ path, message: 'must be a .tar.gz' }]);
    const head = await this.o.artifacts.head(ref).catch(() => undefined);
    if (!head) throw new ValidationError(`Could not find model data at '${url}' ('${field}').`, [{ path, message: 'object does not exist' }]);
  }

  /** @throws ResourceNotFound. */
  async DescribeModel(input: InputOf<Ops['DescribeModel']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeModel']>> {
    return describeModel(await this.get(input.ModelName));
  }

  async ListModels(input: InputOf<Ops['ListModels']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListModels']>> {
    const filters: Filter<ModelRecord>[] = [];
    if (input.NameContains) filters.push({ field: 'name', op: 'contains', value: input.NameContains });
    if (input.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: input.CreationTimeAfter });
    if (input.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: input.CreationTimeBefore });
    const page = await this.o.store.collection(modelsCollection).list({
      filters, sortBy: input.SortBy === 'Name' ? 'name' : 'creationTime', sortOrder: input.SortOrder ?? 'Descending',
      maxResults: clampMaxResults(input.MaxResults, 10), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      Models: page.items.map(({ value: r }) => ({ ModelName: r.name, ModelArn: r.arn, CreationTime: r.creationTime })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** @throws ResourceNotFound. */
  async DeleteModel(input: InputOf<Ops['DeleteModel']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteModel']>> {
    const r = await this.get(input.ModelName);
    await this.o.store.transaction(async (tx) => {
      // Another delete may have won since the read: that one succeeded, this one finds nothing.
      if (!(await tx.collection(modelsCollection).delete(r.key))) throw new NotFoundError('Model', input.ModelName);
      await tx.tags.clear(r.arn);
      // A model created again under the name starts with no lineage of this one's.
      await retireLineageVertex(tx, r.arn, this.o.clock.now());
    });
    return {};
  }

  /** @throws ResourceNotFound. */
  async get(name: string): Promise<ModelRecord> {
    const r = await this.o.store.collection(modelsCollection).get(name.toLowerCase());
    if (!r) throw new NotFoundError('Model', name);
    return r.value;
  }

  /** Lets AddTags/ListTags find models by ARN. */
  exists = async (arn: string): Promise<boolean> => (await this.o.store.collection(modelsCollection).findOne('arn', arn)) !== undefined;
}

/** The DescribeModel answer for a record (Search's Model record too). */
export function describeModel(r: ModelRecord): OutputOf<Ops['DescribeModel']> {
  return { ...(r.request as object), ModelName: r.name, ModelArn: r.arn, CreationTime: r.creationTime, EnableNetworkIsolation: r.networkIsolation } as OutputOf<Ops['DescribeModel']>;
}
