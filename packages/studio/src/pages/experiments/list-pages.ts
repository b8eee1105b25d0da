/** One page of a SageMaker list: its items and the NextToken of the next page, if any. */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly next?: string | undefined;
}

/** Items read so far and whether the list has more. */
export interface Paged<T> {
  readonly items: T[];
  readonly more: boolean;
}

/**
 * The first `pages` pages of a SageMaker list, read one after another, and whether there are more: a
 * section shows a page at a time and reads the next when asked, never the whole list of a large experiment.
 */
export async function firstPages<T>(pages: number, page: (token: string | undefined) => Promise<ListPage<T>>): Promise<Paged<T>> {
  const items: T[] = [];
  let token: string | undefined;
  let read = 0;
  do {
    const p = await page(token);
    items.push(...p.items);
    token = p.next;
    read += 1;
  } while (token && read < pages);
  return { items, more: Boolean(token) };
}
