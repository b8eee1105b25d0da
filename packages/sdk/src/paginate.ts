import type { CallOptions } from './client.js';

/**
 * Every page of a list operation, following `NextToken` until the server returns none: works with any
 * List… method of the client (and any function of the same shape).
 *   for await (const page of paginate(client.ListTrainingJobs, { StatusEquals: 'Completed' })) …
 * @throws whatever the list method throws (LoamApiError, LoamConnectionError), at the page that failed.
 */
export async function* paginate<I extends { NextToken?: string }, O extends { NextToken?: string }>(
  list: (input: I, options?: CallOptions) => Promise<O>,
  input: I,
  options?: CallOptions,
): AsyncGenerator<O, void, undefined> {
  let token = input.NextToken;
  do {
    const page = await list(token === undefined ? input : { ...input, NextToken: token }, options);
    yield page;
    token = page.NextToken || undefined;
  } while (token !== undefined);
}

/**
 * Every item of a list operation, across pages: `items` picks the page's list.
 *   const jobs = await collect(client.ListTrainingJobs, {}, (p) => p.TrainingJobSummaries);
 */
export async function collect<I extends { NextToken?: string }, O extends { NextToken?: string }, T>(
  list: (input: I, options?: CallOptions) => Promise<O>,
  input: I,
  items: (page: O) => readonly T[],
  options?: CallOptions,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of paginate(list, input, options)) out.push(...items(page));
  return out;
}
