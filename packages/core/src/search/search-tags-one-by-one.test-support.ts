import type { Filter, Tag, TagStore } from '../ports/metadata-store.js';
import type { SearchSource } from './search-source.js';
import type { CandidateTags } from './search-tags.js';
import { SearchService } from './search.service.js';

/**
 * Each candidate's tags read alone, the store asked for no tagged resources and no tags of many: how Search read
 * them before SearchTags, the reference the tests compare the store's targeted reads with. Test support only: no
 * production search reads tags this way.
 */
export class OneByOneTags implements CandidateTags {
  constructor(private readonly store: TagStore) {}
  async excludes(): Promise<boolean> {
    return false;
  }
  async storeFilter(): Promise<Filter<Record<string, unknown>> | undefined> {
    return undefined;
  }
  async chunkFilters(): Promise<AsyncIterable<Filter<Record<string, unknown>>> | undefined> {
    return undefined;
  }
  of(arn: string): Promise<Tag[]> {
    return this.store.list(arn);
  }
  async *ahead<R>(records: Iterable<R> | AsyncIterable<R>): AsyncGenerator<R> {
    yield* records;
  }
}

/** A SearchService reading each candidate's tags alone ({@link OneByOneTags}). */
export class OneByOneSearchService extends SearchService {
  readonly #tags: TagStore;
  constructor(o: ConstructorParameters<typeof SearchService>[0]) {
    super(o);
    this.#tags = o.store.tags;
  }
  protected override candidateTags(_source: SearchSource, _expr: unknown, _reads: boolean): CandidateTags {
    return new OneByOneTags(this.#tags);
  }
}
