import { useMemo, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useLocation, useNavigate } from '@tanstack/react-router';
import { Alert, Autocomplete, Button, Group, List, NativeSelect, SegmentedControl, Skeleton, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { parseUrlSearch } from '../../app/url-search.js';
import { PageHeader } from '../../patterns/page-header.js';
import { toUserFacingError } from '../../schema/problems.js';
import { FilterRows, propertyData } from './filter-rows.js';
import { buildExpression, emptyFilter, placeErrors, type FilterDraft, type Match, type NestedDraft, type RowError, type SearchInput } from './search-expression.js';
import { NestedFilters } from './nested-filters.js';
import { keysSeen } from './search-properties.js';
import { nestedLists, propertyCatalog, recordMemberOf, resourceViews, searchableResources, type SearchableResource } from './search-resources.js';
import { SearchResults } from './search-results.js';
import { back, forward, pagerOf, type PageTokens } from './search-paging.js';
import { paramsOf, readSearchParams, searchPath, stateOf, type SearchParams, type SearchState } from './search-state.js';

const pageSize = 25;

/**
 * SageMaker's Search over every resource Loam searches: filters on any property of the resource's search
 * record (suggested from its schema and from the results), sorted on the server, paged by NextToken. The
 * search lives in the URL; the form edits a draft of it until Search is pressed.
 */
export function SearchPage() {
  // Read from the URL's own text: the router's search keeps a link's raw value of any parameter the route's reading
  // left out (a `filters` that is not a list), which is not for the form; what was left out is named on the page.
  const searchStr = useLocation({ select: (l) => l.searchStr });
  const { params, ignored } = useMemo(() => readSearchParams(parseUrlSearch(searchStr)), [searchStr]);
  const committed = stateOf(params);
  // The form starts again from the URL whenever the URL changes (Search pressed, Back, a shared link).
  return <SearchForm key={JSON.stringify(paramsOf(committed))} committed={committed} ignored={ignored} />;
}

function SearchForm({ committed, ignored }: { committed: SearchState; ignored: readonly string[] }) {
  const navigate = useNavigate();
  const [resource, setResource] = useState<SearchableResource>(committed.resource);
  const [rows, setRows] = useState<FilterDraft[]>(committed.filters.length ? [...committed.filters] : [emptyFilter()]);
  const [nested, setNested] = useState<NestedDraft[]>([...(committed.nested ?? [])]);
  const [match, setMatch] = useState<Match>(committed.match);
  const [sortBy, setSortBy] = useState(committed.sortBy ?? '');
  const [sortOrder, setSortOrder] = useState<'Ascending' | 'Descending'>(committed.sortOrder ?? 'Descending');
  // A link's filter without a value is not searched for: its row says so from the start, as after pressing Search.
  const [incomplete, setIncomplete] = useState<Record<number, RowError>>(() => ({ ...buildExpression(committed.filters, committed.match, committed.nested).incomplete }));
  const [nestedIncomplete, setNestedIncomplete] = useState<Record<number, Record<number, RowError>>>(() => ({ ...buildExpression(committed.filters, committed.match, committed.nested).nestedIncomplete }));
  const [tokens, setTokens] = useState<PageTokens>([undefined]);
  const token = tokens[tokens.length - 1];

  const built = useMemo(() => buildExpression(committed.filters, committed.match, committed.nested), [committed.filters, committed.match, committed.nested]);
  const request: SearchInput = {
    Resource: committed.resource,
    MaxResults: pageSize,
    ...(built.expression ? { SearchExpression: built.expression } : {}),
    ...(committed.sortBy ? { SortBy: committed.sortBy } : {}),
    ...(committed.sortOrder ? { SortOrder: committed.sortOrder } : {}),
    ...(token ? { NextToken: token } : {}),
  };
  const results = useQuery({
    queryKey: ['Search', request],
    queryFn: ({ signal }) => loam.Search(request, { signal }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const pager = pagerOf(tokens, {
    ...(results.data?.NextToken ? { nextToken: results.data.NextToken } : {}),
    loading: results.isPlaceholderData || results.isFetching,
    failed: results.error !== null,
  });
  const member = recordMemberOf(committed.resource);
  const records = results.error ? [] : (results.data?.Results ?? []).map((r) => (r as Record<string, unknown>)[member] as Record<string, unknown>).filter(Boolean);

  const catalog = propertyCatalog(resource);
  const view = resourceViews[resource];
  const keyed = catalog.filter((p) => p.kind === 'keyed').map((p) => p.name);
  const seen = resource === committed.resource ? keysSeen(records, keyed) : [];
  const choices = { catalog, seen, common: view.common.length };
  const hints = new Map(propertyCatalog(committed.resource).map((p) => [p.name, p]));

  const placed = results.error ? placeErrors((results.error as { fields?: { path: string; message: string }[] }).fields, built.rows, built.nested) : undefined;
  // The server's words for a refused search, in full; the short form also sits on the row (or list) it is about.
  const refused = results.error ? toUserFacingError(results.error, { iamAction: 'sagemaker:Search' }) : undefined;
  const shown = resource === committed.resource ? placed : undefined;
  const rowErrors = { ...(shown?.rows ?? {}), ...incomplete };
  const nestedRowErrors = Object.fromEntries(
    nested.map((_, i) => [i, { ...(shown?.nested[i]?.rows ?? {}), ...(nestedIncomplete[i] ?? {}) }]),
  );
  const listErrors = Object.fromEntries(Object.entries(shown?.nested ?? {}).flatMap(([i, p]) => (p.list ? [[i, p.list]] : [])));
  // The server counts filters from 0 among those sent; the rows above are numbered from 1.
  const marked = [
    ...Object.keys(shown?.rows ?? {}).map((r) => `filter ${Number(r) + 1}`),
    ...Object.entries(shown?.nested ?? {}).flatMap(([i, p]) => [
      ...(p.list ? [`the list of nested filter ${Number(i) + 1}`] : []),
      ...Object.keys(p.rows).map((r) => `nested filter ${Number(i) + 1}, filter ${Number(r) + 1}`),
    ]),
  ];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const check = buildExpression(rows, match, nested);
    setIncomplete({ ...check.incomplete });
    setNestedIncomplete({ ...check.nestedIncomplete });
    if (Object.keys(check.incomplete).length || Object.keys(check.nestedIncomplete).length) return;
    const next: SearchState = { resource, filters: rows, ...(nested.length ? { nested } : {}), match, ...(sortBy.trim() ? { sortBy: sortBy.trim() } : {}), ...(sortBy.trim() || sortOrder === 'Ascending' ? { sortOrder } : {}) };
    // The same search again, from a URL that holds nothing else: its first page, read afresh (a URL with parts that
    // were not searched for is written anew without them).
    if (ignored.length === 0 && JSON.stringify(paramsOf(next)) === JSON.stringify(paramsOf(committed))) {
      if (tokens.length > 1) setTokens([undefined]);
      else void results.refetch();
      return;
    }
    void navigate({ to: searchPath, search: paramsOf(next) as never });
  };
  const chooseResource = (r: string) => {
    if (r === resource) return;
    // Property names differ between resources: a new resource starts with one empty filter and the default order.
    setResource(r as SearchableResource);
    setRows([emptyFilter()]);
    setNested([]);
    setSortBy('');
    setIncomplete({});
    setNestedIncomplete({});
  };

  const extra = [...new Set([...committed.filters.map((f) => f.name.trim()), ...(committed.sortBy ? [committed.sortBy] : [])])].filter(
    (p) => p && p !== resourceViews[committed.resource].name && p !== resourceViews[committed.resource].status && p !== resourceViews[committed.resource].created,
  );
  const label = resourceViews[committed.resource].label.toLowerCase();

  return (
    <Stack>
      <PageHeader
        title="Search"
        description="Find training jobs, tuning jobs, models, registry versions, endpoints, experiments, trials and trial components by any of their properties — SageMaker's Search, as boto3's search() calls it."
      />
      {ignored.length > 0 && (
        <Alert color="yellow" variant="light" title="Parts of this link were not searched for" role="status">
          <Text size="sm">Studio could not read them, so the search below runs without them:</Text>
          <List size="sm" mt={4}>
            {ignored.map((m) => (
              <List.Item key={m}>{m}</List.Item>
            ))}
          </List>
          <Text size="sm" mt={4} fw={500}>
            Add what you meant with the form, then search again: the link is rewritten without them.
          </Text>
        </Alert>
      )}
      <form onSubmit={submit} role="search" aria-label="Search resources">
        <Stack gap="sm">
          <NativeSelect
            label="Resource"
            data={searchableResources.map((r) => ({ value: r, label: `${resourceViews[r].label} (${r})` }))}
            value={resource}
            onChange={(e) => chooseResource(e.currentTarget.value)}
            maw={420}
          />
          <Stack gap="xs">
            <Group justify="space-between" align="flex-end">
              <Text size="sm" fw={500}>
                Filters
              </Text>
              {rows.length + nested.length > 1 && (
                <SegmentedControl
                  size="xs"
                  aria-label="Combine filters"
                  value={match}
                  onChange={(v) => setMatch(v as Match)}
                  data={[
                    { value: 'And', label: 'Match all' },
                    { value: 'Or', label: 'Match any' },
                  ]}
                />
              )}
            </Group>
            <FilterRows rows={rows} onChange={setRows} choices={choices} errors={rowErrors} />
            <NestedFilters nested={nested} onChange={setNested} lists={nestedLists(resource)} choices={choices} errors={nestedRowErrors} listErrors={listErrors} />
          </Stack>
          <Group align="flex-start" gap="xs">
            <Autocomplete
              label="Sort by"
              placeholder="Default: last modified (created where there is none)"
              data={propertyData(choices)}
              limit={400}
              maxDropdownHeight={320}
              value={sortBy}
              onChange={setSortBy}
              error={resource === committed.resource ? placed?.sortBy : undefined}
              style={{ flex: 2 }}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
            <NativeSelect
              label="Order"
              data={[
                { value: 'Descending', label: 'Descending' },
                { value: 'Ascending', label: 'Ascending' },
              ]}
              value={sortOrder}
              onChange={(e) => setSortOrder(e.currentTarget.value as 'Ascending' | 'Descending')}
              style={{ flex: 1 }}
            />
            <Button type="submit" mt={25}>
              Search
            </Button>
          </Group>
        </Stack>
      </form>
      {refused && (
        <Alert color="red" variant="light" title={refused.code === 'ValidationException' ? 'The server refused this search' : refused.title} role="alert">
          <Text size="sm">{refused.detail}</Text>
          {marked.length > 0 && (
            <Text size="sm" mt={4}>
              {marked.length === 1 ? `That is ${marked[0]}, marked above.` : `Those are ${marked.join('; ')}, marked above.`}
            </Text>
          )}
          {(placed?.other.length ?? 0) > 0 && (
            <List size="sm" mt={4}>
              {placed!.other.map((m) => (
                <List.Item key={m}>{m}</List.Item>
              ))}
            </List>
          )}
          <Text size="sm" mt={4} fw={500}>
            {refused.code === 'ValidationException' ? 'Fix the filter or sort property it names, then search again.' : refused.action}
          </Text>
        </Alert>
      )}
      {!results.error && !results.data && <Skeleton height={160} aria-label="Searching" />}
      {!results.error && results.data && records.length === 0 && (
        <Text size="sm" c="dimmed" role="status">
          {built.expression ? `No ${label} match these filters.` : `No ${label} yet.`}
        </Text>
      )}
      {records.length > 0 && (
        <>
          <Text size="sm" c="dimmed" role="status" aria-live="polite">
            {records.length} {label} on page {tokens.length}
            {results.isFetching ? ' · updating…' : ''}
          </Text>
          <SearchResults resource={committed.resource} records={records} extra={extra} hints={hints} />
        </>
      )}
      {pager.visible && (
        <Group justify="flex-end" gap="xs">
          <Text size="sm" c="dimmed">
            Page {tokens.length}
          </Text>
          <Button size="compact-sm" variant="default" disabled={!pager.canGoBack} onClick={() => setTokens(back)}>
            Previous
          </Button>
          <Button size="compact-sm" variant="default" disabled={!pager.canGoForward} onClick={() => setTokens((t) => forward(t, results.data?.NextToken))}>
            Next
          </Button>
        </Group>
      )}
    </Stack>
  );
}
