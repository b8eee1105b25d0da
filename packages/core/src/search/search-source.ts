import type { searchShapes } from '@loam/contracts';
import type { Principal } from '../kernel/context.js';
import type { CollectionSpec, Filter, Tag } from '../ports/metadata-store.js';
import type { RecordProperties } from './search-expression.js';
import type { SearchCursor } from './search-order.js';
import type { SchemaNode } from './search-properties.js';

/**
 * One resource Search finds: where its records are, how each becomes its search record (the resource's
 * Describe answer, as SageMaker's SearchRecord holds it), and who may see it.
 */
export interface SearchSource<R = any> {
  readonly resource: searchShapes.SearchableResource;
  /** The search record's shape, and names of the resource's own (`Metrics.<name>`). */
  readonly props: RecordProperties;
  /** The metadata store's collection of the records, unless `records` reads them from elsewhere. */
  readonly collection?: CollectionSpec<R>;
  /**
   * The records when they are not in the metadata store (experiments, trials and trial components are in
   * the experiment store): every candidate, read page by page. Such a source has no `storeOrder` or `columns`.
   */
  readonly records?: (need?: RequiredEntries) => AsyncIterable<R>;
  /**
   * Members whose entries (`Parameters.<key>`, `Metrics.<name>`) the source's store can require of a record:
   * `records` and ordered reads are given those the expression requires (`requiredEntries`) and may leave out
   * the records lacking one.
   */
  readonly entryMembers?: readonly string[];
  /**
   * Reads in the order of these sort properties for a source with `records` (its `storeOrder` is the
   * collection's): `read` gives the records in `order` from `from`'s value on (records of that value included;
   * those before it may come too, they are skipped), store page by store page, `value` each one's sort value
   * (what a token keeps).
   */
  readonly orderedReads?: Readonly<Record<string, OrderedRead<R>>>;
  /** Members a record is found by without a scan: a top-level Equals on one reads the record it names (or none). */
  readonly lookups?: Readonly<Record<string, (value: string) => Promise<R | undefined>>>;
  /**
   * The members of the search record `summary` holds, read from the record alone. A search whose sort and
   * expression read only these (and Tags) builds the full record (`record`) for its page only.
   */
  readonly summaryMembers?: readonly string[];
  summary?(r: R): Record<string, unknown>;
  /**
   * Whether `record` is built from the record alone (with the tags given), reading nothing else: such a record
   * is decided as cheaply as its summary, so Search counts TotalHits past its page on expressions that read no tags.
   */
  readonly recordFromRow?: boolean;
  /**
   * Members of the search record the store can read alone, each from one place in the stored record (a
   * collection's): `path` there, and `doc` turning the value read (undefined where absent) into that member as
   * `record` holds it. A search whose sort and expression read only these (no tags), and that would otherwise
   * read every candidate, reads these values (`Collection.values`) instead of the records, matches and sorts on
   * them as on the full record, and reads only its page's records. `arnPath`: where the record's ARN is.
   */
  readonly storedMembers?: Readonly<Record<string, StoredMember>>;
  readonly arnPath?: readonly string[];
  /**
   * The collection's indexed field holding `arnOf`'s value (its unique `arn`): a search whose tag filters the store
   * decided (`SearchTags`) asks the collection for the ARNs found, when they are few, instead of reading every record.
   */
  readonly arnField?: keyof R & string;
  /**
   * What every record's ARN starts with (`arn:loam:sagemaker:<region>:<account>:<kind>/`): the store is asked for
   * the tagged resources of this type alone (`TagStore.tagged`'s `arnPrefix`), not those of every type having a key.
   * The server's current partition: where the collection holds records whose stored ARN has another region or
   * account (stored before the config changed; SearchService finds those partitions by `arnField`), the store is
   * asked for the same type's tagged resources in each of them too, so such a record is found by the tags of its own
   * ARN, as a search without a tag filter shows them (past 16 such partitions the collection is read whole and they
   * are decided on their tags).
   */
  readonly arnPrefix?: string;
  /**
   * How much of a Search page's budget (`SearchServiceOptions.pageBudget`, PAGE_BUDGET) a built search record
   * takes: a trial's TrialComponentSummaries, a trial component's Parents, which SageMaker's shapes bound nowhere and Loam lists whole. A page
   * takes no more records once those in it weigh the budget (at least one a page; NextToken goes on from the next),
   * so an answer holds at most the budget plus its largest record. Unset: weightless.
   */
  weight?(record: Record<string, unknown>): number;
  /** A record's unique key, the cursor's tie-break (the collection's key when unset). */
  keyOf?(r: R): string;
  /**
   * What the caller must also be allowed besides `readAction` on the ARN, as the resource's Describe checks
   * (an experiment's `mlflow-experiment/<id>`).
   */
  alsoVisible?(r: R, principal: Principal): Promise<boolean>;
  /** Conditions every candidate meets in the store (the jobs table holds training and processing jobs). */
  readonly filters?: readonly Filter<R>[];
  /** The action a caller needs on the resource to see it in the results (its Describe). */
  readonly readAction: string;
  /**
   * Text properties held in an indexed field of the same value: a top-level Equals or In on one is also asked
   * of the store, so only records that can match are read.
   */
  readonly columns?: Readonly<Record<string, keyof R & string>>;
  /** Sort properties the store orders by itself, to the indexed field (one every record has); others are sorted here. */
  readonly storeOrder: Readonly<Record<string, keyof R & string>>;
  /** SortBy when none is given: LastModifiedTime where the record has one, else CreationTime. */
  readonly defaultSortBy: string;
  arnOf(r: R): string;
  /** The search record, with `tags` when given; what it holds of other resources is what `principal` may see. */
  record(r: R, tags: readonly Tag[] | undefined, principal: Principal): Promise<Record<string, unknown>>;
}

/**
 * Records store page by store page: each page what one store read returned (its records may be derived lazily, a
 * component's run info each), and whether it is the last. Counting TotalHits past a search's page stops where a
 * page ends, before the next is asked for.
 */
export type StorePages<R> = AsyncIterable<StorePage<R>>;

export interface StorePage<R> {
  readonly records: Iterable<R> | AsyncIterable<R>;
  /** Whether no record follows this page's (the store said so: no more read to know it). */
  readonly last: boolean;
}

/** One member of a search record as the store holds it: see `SearchSource.storedMembers`. */
export interface StoredMember {
  readonly path: readonly string[];
  doc(value: unknown): Record<string, unknown>;
  /**
   * Whether the member is a map at `path` (its entry `<k>` at `[...path, k]`) that `doc` builds the same from any
   * of its entries: a search reading it only by entries it names (`HyperParameters.eta`) reads those alone.
   */
  readonly byEntry?: boolean;
}

/** A source's records in one sort property's order. */
export interface OrderedRead<R> {
  value(r: R): string | number;
  read(order: 'Ascending' | 'Descending', from?: SearchCursor, need?: RequiredEntries): StorePages<R>;
}

/** The keys a record must have under each member (`Parameters` → `['lr']`): see `SearchSource.entryMembers`. */
export type RequiredEntries = ReadonlyMap<string, readonly string[]>;

/** A Describe answer as a search record: only the members the record's shape has, plus Tags when given. */
export function asSearchRecord(describe: object, schema: SchemaNode, tags: readonly Tag[] | undefined): Record<string, unknown> {
  const members = schema.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(describe)) if (Object.hasOwn(members, k) && v !== undefined) out[k] = v;
  if (tags) out['Tags'] = tags.map((t) => ({ Key: t.Key, Value: t.Value }));
  return out;
}
