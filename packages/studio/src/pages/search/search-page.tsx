import { useMemo, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { Alert, Autocomplete, Button, Group, List, NativeSelect, SegmentedControl, Skeleton, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { PageHeader } from '../../patterns/page-header.js';
import { toUserFacingError } from '../../schema/problems.js';
import { FilterRows, propertyData } from './filter-rows.js';
import { buildExpression, emptyFilter, placeErrors, type FilterDraft, type Match, type NestedDraft, type SearchInput } from './search-expression.js';
import { NestedFilters } from './nested-filters.js';
import { keysSeen } from './search-properties.js';
import { nestedLists, propertyCatalog, recordMemberOf, resourceViews, searchableResources, type SearchableResource } from './search-resources.js';
import { SearchResults } from './search-results.js';
import { back, forward, pagerOf, type PageTokens } from './search-paging.js';
import { paramsOf, searchPath, stateOf, type SearchParams, type SearchState } from './search-state.js';

const pageSize = 25;

/**
 * SageMaker's Search over every resource Loam searches: filters on any property of the resource's search
 * record (suggested from its schema and from the results), sorted on the server, paged by NextToken. The
 * search lives in the URL; the form edits a draft of it until Search is pressed.
 */
export function SearchPage() {
  const params = useSearch({ strict: false }) as SearchParams;
  const committed = stateOf(params);
  // The form starts again from the URL whenever the URL changes (Search pressed, Back, a shared link).
  return <SearchForm key={JSON.stringify(paramsOf(committed))} committed={committed} />;
}

function SearchForm({ committed }: { committed: SearchState }) {
  const navigate = useNavigate();
  const [resource, setResource] = useState<SearchableResource>(committed.resource);
  const [rows, setRows] = useState<FilterDraft[]>(committed.filters.length ? [...committed.filters] : [emptyFilter()]);
  const [nested, setNested] = useState<NestedDraft[]>([...(committed.nested ?? [])]);
  const [match, setMatch] = useState<Match>(committed.match);
  const [sortBy, setSortBy] = useState(committed.sortBy ?? '');
  const [sortOrder, setSortOrder] = useState<'Ascending' | 'Descending'>(committed.sortOrder ?? 'Descending');
  const [incomplete, setIncomplete] = useState<Record<number, string>>({});
  const [nestedIncomplete, setNestedIncomplete] = useState<Record<number, Record<number, string>>>({});
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

  const placed = results.error ? placeErrors((results.error as { fields?: { path: string; message: string }[] }).fields, built.rows) : undefined;
  // The server's words for a refused search, in full; the short form also sits on the row it is about.
  const refused = results.error ? toUserFacingError(results.error, { iamAction: 'sagemaker:Search' }) : undefined;
  const placedRows = Object.keys(resource === committed.resource ? (placed?.rows ?? {}) : {}).map(Number);
  const rowErrors = { ...(resource === committed.resource ? (placed?.rows ?? {}) : {}), ...incomplete };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const check = buildExpression(rows, match, nested);
    setIncomplete({ ...check.incomplete });
    setNestedIncomplete({ ...check.nestedIncomplete });
    if (Object.keys(check.incomplete).length || Object.keys(check.nestedIncomplete).length) return;
    const next: SearchState = { resource, filters: rows, ...(nested.length ? { nested } : {}), match, ...(sortBy.trim() ? { sortBy: sortBy.trim() } : {}), ...(sortBy.trim() || sortOrder === 'Ascending' ? { sortOrder } : {}) };
    if (JSON.stringify(paramsOf(next)) === JSON.stringify(paramsOf(committed))) {
      // The same search again (the URL stays as it is): its first page, read afresh.
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
            <NestedFilters nested={nested} onChange={setNested} lists={nestedLists(resource)} choices={choices} errors={nestedIncomplete} />
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
          {placedRows.length > 0 && (
            <Text size="sm" mt={4}>
              {/* The server counts filters from 0 among those sent; the rows above are numbered from 1. */}
              {placedRows.length === 1 ? `That is filter ${placedRows[0]! + 1}, marked above.` : `Those are filters ${placedRows.map((r) => r + 1).join(', ')}, marked above.`}
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
