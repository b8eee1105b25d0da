import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import { retireLineageVertex } from '../lineage/lineage-lives.js';
import type { RequestContext } from '../kernel/context.js';
import { isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { Filter, MetadataStore } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import { modelsCollection } from '../models/model.collections.js';
import { checkIsolationServable, type InstanceIsolation } from './deployment-rules.js';
import { endpointConfigsCollection, type EndpointConfigRecord } from './endpoint.collections.js';

type Ops = typeof operations;

export interface EndpointConfigServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  /** Largest InitialInstanceCount per variant (this machine's limit). */
  readonly maxInstancesPerVariant: number;
  /** Whether endpoint instances can run network-isolated here (the instance launcher's answer). */
  readonly instanceIsolation?: () => InstanceIsolation;
}

/** CreateEndpointConfig, DescribeEndpointConfig, ListEndpointConfigs, DeleteEndpointConfig. */
export class EndpointConfigService {
  constructor(private readonly o: EndpointConfigServiceOptions) {}

  /** @throws ValidationException (unknown model, duplicate variant, serverless), ResourceInUse, ResourceLimitExceeded. */
  async CreateEndpointConfig(input: InputOf<Ops['CreateEndpointConfig']>, _ctx: RequestContext): Promise<OutputOf<Ops['CreateEndpointConfig']>> {
    if (input.Tags) validateTags(input.Tags);
    const seen = new Set<string>();
    const variants = [];
    for (const [i, v] of input.ProductionVariants.entries()) {
      const at = `/ProductionVariants/${i}`;
      if (seen.has(v.VariantName.toLowerCase())) throw new ValidationError(`Variant name '${v.VariantName}' appears twice in ProductionVariants.`, [{ path: `${at}/VariantName`, message: 'duplicate' }]);
      seen.add(v.VariantName.toLowerCase());
      if (v.ServerlessConfig) throw new ValidationError(`Serverless variants are not supported yet ('${v.VariantName}'): give InstanceType and InitialInstanceCount.`, [{ path: `${at}/ServerlessConfig`, message: 'not supported' }]);
      if (!v.ModelName) throw new ValidationError(`Variant '${v.VariantName}' needs a ModelName.`, [{ path: `${at}/ModelName`, message: 'required' }]);
      const model = (await this.o.store.collection(modelsCollection).get(v.ModelName.toLowerCase()))?.value;
      if (!model) {
        throw new ValidationError(`Could not find model '${v.ModelName}' (variant '${v.VariantName}').`, [{ path: `${at}/ModelName`, message: 'no such model' }]);
      }
      checkIsolationServable(model, v.VariantName, input.EnableNetworkIsolation === true, model.networkIsolation ? `${at}/ModelName` : '/EnableNetworkIsolation', this.o.instanceIsolation?.());
      const count = v.InitialInstanceCount ?? 1;
      if (count > this.o.maxInstancesPerVariant) {
        throw new ValidationError(`Variant '${v.VariantName}' asks for ${count} instances; this server runs at most ${this.o.maxInstancesPerVariant} per variant.`, [{ path: `${at}/InitialInstanceCount`, message: `at most ${this.o.maxInstancesPerVariant}` }]);
      }
      variants.push({ ...v, InitialInstanceCount: count, InitialVariantWeight: v.InitialVariantWeight ?? 1, InstanceType: v.InstanceType ?? 'ml.m5.large' });
    }
    const dc = input.DataCaptureConfig;
    if (dc && !dc.DestinationS3Uri.startsWith('s3://')) {
      throw new ValidationError(`DataCaptureConfig.DestinationS3Uri '${dc.DestinationS3Uri}' must be an s3:// URI in Loam's artifact store.`, [{ path: '/DataCaptureConfig/DestinationS3Uri', message: 'must be s3://' }]);
    }
    const arn = resourceArn(this.o.partition, 'endpoint-config', input.EndpointConfigName);
    const { Tags, ...rest } = input;
    const record: EndpointConfigRecord = {
      key: input.EndpointConfigName.toLowerCase(), name: input.EndpointConfigName, arn, creationTime: this.o.clock.now() / 1000,
      request: { ...rest, ProductionVariants: variants },
    };
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(endpointConfigsCollection).insert(record);
        if (Tags?.length) await tx.tags.put(arn, Tags);
      });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`Cannot create already existing endpoint configuration "${arn}".`);
      throw e;
    }
    return { EndpointConfigArn: arn };
  }

  async DescribeEndpointConfig(input: InputOf<Ops['DescribeEndpointConfig']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeEndpointConfig']>> {
    const r = await this.get(input.EndpointConfigName);
    return { ...r.request, EndpointConfigName: r.name, EndpointConfigArn: r.arn, CreationTime: r.creationTime } as OutputOf<Ops['DescribeEndpointConfig']>;
  }

  async ListEndpointConfigs(input: InputOf<Ops['ListEndpointConfigs']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListEndpointConfigs']>> {
    const filters: Filter<EndpointConfigRecord>[] = [];
    if (input.NameContains) filters.push({ field: 'name', op: 'contains', value: input.NameContains });
    if (input.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: input.CreationTimeAfter });
    if (input.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: input.CreationTimeBefore });
    const page = await this.o.store.collection(endpointConfigsCollection).list({
      filters, sortBy: input.SortBy === 'Name' ? 'name' : 'creationTime', sortOrder: input.SortOrder ?? 'Descending',
      maxResults: clampMaxResults(input.MaxResults, 10), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      EndpointConfigs: page.items.map(({ value: r }) => ({ EndpointConfigName: r.name, EndpointConfigArn: r.arn, CreationTime: r.creationTime })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  async DeleteEndpointConfig(input: InputOf<Ops['DeleteEndpointConfig']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteEndpointConfig']>> {
    const r = await this.get(input.EndpointConfigName);
    await this.o.store.transaction(async (tx) => {
      // Another delete may have won since the read: that one succeeded, this one finds nothing.
      if (!(await tx.collection(endpointConfigsCollection).delete(r.key))) throw new NotFoundError('Endpoint config', input.EndpointConfigName);
      await tx.tags.clear(r.arn);
      await retireLineageVertex(tx, r.arn, this.o.clock.now());
    });
    return {};
  }

  /** @throws ResourceNotFound. */
  async get(name: string): Promise<EndpointConfigRecord> {
    const r = await this.o.store.collection(endpointConfigsCollection).get(name.toLowerCase());
    if (!r) throw new NotFoundError('Endpoint config', name);
    return r.value;
  }

  exists = async (arn: string): Promise<boolean> => (await this.o.store.collection(endpointConfigsCollection).findOne('arn', arn)) !== undefined;
}
