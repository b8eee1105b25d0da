import { afterAll, beforeAll, expect, it, type TestContext } from 'vitest';
import type { CollectionSpec, MetadataStore } from '@loam/core';

/** A record of the main conformance collection: every index type, a unique field, and free JSON. */
export interface Widget {
  name: string;
  arn: string;
  group: string;
  status?: string;
  label?: string;
  size?: number;
  score?: number | null;
  createdAt?: number;
  payload?: unknown;
}

export interface Note {
  id: string;
  group: string;
  text?: string;
}

export const widgetSpec: CollectionSpec<Widget> = {
  name: 'conformance_widgets',
  key: 'name',
  indexes: { group: 'text', status: 'text', label: 'text', size: 'integer', score: 'real', createdAt: 'integer' },
  unique: ['arn'],
  // One series (group and status) read in size order, a window of sizes at a time: lists over it must
  // answer exactly what they answer without it.
  orderIndexes: [{ within: ['group', 'status'], sortBy: 'size' }],
};

export const noteSpec: CollectionSpec<Note> = { name: 'conformance_notes', key: 'id', indexes: { group: 'text' } };

/** Open the store under test with exactly these collections. */
export const metadataConformanceCollections: readonly CollectionSpec<any>[] = [widgetSpec, noteSpec];

/** How a backend joins the suite. */
export interface MetadataStoreConformanceTarget {
  /** Opens the store; for a durable store, each call must reach the same data. */
  readonly open: () => Promise<MetadataStore>;
  /** Tests this backend cannot pass, by exact name, and why. */
  readonly skip?: { readonly tests: readonly string[]; readonly reason: string };
}

/**
 * What each group of tests gets: the shared store (opened once per suite), a unique `group` value so
 * tests never see each other's records in a shared database, and `test` that honours the skip list.
 */
export class Harness {
  #store: MetadataStore | undefined;
  #seq = 0;
  readonly #run = Math.random().toString(36).slice(2, 8);
  readonly #skipped = new Set<string>();
  readonly #seen = new Set<string>();

  constructor(readonly target: MetadataStoreConformanceTarget, readonly label: string) {
    for (const t of target.skip?.tests ?? []) this.#skipped.add(t);
    beforeAll(async () => {
      this.#store = await target.open();
    });
    afterAll(async () => {
      await this.#store?.close();
    });
  }

  get store(): MetadataStore {
    if (this.#store === undefined) throw new Error(`The ${this.label} store did not open; see the beforeAll error.`);
    return this.#store;
  }

  widgets() {
    return this.store.collection(widgetSpec);
  }

  /** A value unique to this call, for `group` fields and keys. */
  group(): string {
    this.#seq += 1;
    return `g${this.#seq}-${this.#run}`;
  }

  test(name: string, fn: (ctx: TestContext) => Promise<void>, timeout?: number): void {
    this.#seen.add(name);
    if (this.#skipped.has(name)) {
      console.log(`[metadata-store conformance] ${this.label}: skipping '${name}': ${this.target.skip?.reason ?? ''}`);
      it.skip(`${name} (skipped: ${this.target.skip?.reason ?? ''})`, () => {});
      return;
    }
    it(name, fn, timeout);
  }

  /** A skip list naming a test that does not exist fails, so a renamed test cannot hide a skip. */
  checkSkipList(): void {
    const unknown = [...this.#skipped].filter((t) => !this.#seen.has(t));
    it('skip list names only tests of this suite', () => {
      expect(unknown).toEqual([]);
    });
  }
}

/** The `code` of a rejected promise's error (codes, not classes, as across packages). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { code?: unknown }).code ?? (e as Error).message);
  }
  return 'resolved';
}

/** The error a rejected promise carries, or a failure when it resolves. */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), message: String((e as Error).message) };
  }
  throw new Error('expected the call to reject, but it resolved');
}
