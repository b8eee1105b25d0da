/**
 * Paging a search by NextToken. The page keeps the tokens that led to the page shown (the first page has
 * none); these decide what the Previous and Next buttons may do.
 */
export type PageTokens = readonly (string | undefined)[];

/** What the query for the current page is doing, as TanStack Query reports it. */
export interface PageQuery {
  /** The next page's token from the page shown, if there is a next page. */
  readonly nextToken?: string;
  /** A page is being read: the page shown is the previous one (placeholder data) or is being read again. */
  readonly loading: boolean;
  /** Reading the current page failed. */
  readonly failed: boolean;
}

export interface Pager {
  /** Whether the Previous/Next bar shows at all. */
  readonly visible: boolean;
  readonly canGoBack: boolean;
  readonly canGoForward: boolean;
}

/**
 * Next is offered only when the page shown is the page asked for and is settled: while a later page loads,
 * the page shown still carries the token just followed, and following it again would count a page twice.
 * Previous stays offered after a later page failed, so the user can return to the page that worked.
 */
export function pagerOf(tokens: PageTokens, q: PageQuery): Pager {
  const later = tokens.length > 1;
  return {
    visible: later || (!q.failed && q.nextToken !== undefined),
    canGoBack: later && (!q.loading || q.failed),
    canGoForward: !q.failed && !q.loading && q.nextToken !== undefined,
  };
}

/** The tokens after Next: the same tokens when that token was just followed (a second click before the page changed). */
export function forward(tokens: PageTokens, next: string | undefined): PageTokens {
  if (next === undefined || tokens[tokens.length - 1] === next) return tokens;
  return [...tokens, next];
}

/** The tokens after Previous; the first page stays the first page. */
export function back(tokens: PageTokens): PageTokens {
  return tokens.length > 1 ? tokens.slice(0, -1) : tokens;
}
