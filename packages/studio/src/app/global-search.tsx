import { useState, type KeyboardEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Badge, Group, Modal, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { searchSources, type SearchHit } from './search-sources.js';

/** Finds pages and every kind of resource by name (search-sources.ts) from anywhere (`/` or Ctrl+K); arrows and Enter to open. */
export function GlobalSearch({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [term, setTerm] = useState('');
  const [debounced] = useDebouncedValue(term.trim(), 200);
  const [active, setActive] = useState(0);
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['search', debounced],
    enabled: opened && debounced.length > 0,
    queryFn: async ({ signal }) => {
      const settled = await Promise.allSettled(searchSources.map((s) => s.search(debounced, signal)));
      return settled.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    },
  });
  const hits: SearchHit[] = debounced ? (q.data ?? []) : [];
  const close = () => {
    setTerm('');
    setActive(0);
    onClose();
  };
  const open = (h: SearchHit) => {
    close();
    void navigate({ to: h.to });
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, hits.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && hits[active]) {
      e.preventDefault();
      open(hits[active]);
    }
  };
  return (
    <Modal opened={opened} onClose={close} title="Search Loam" size="lg" yOffset="10vh">
      <Stack gap="sm">
        <TextInput
          data-autofocus
          label="Name"
          placeholder="User, policy or page name…"
          value={term}
          onChange={(e) => {
            setTerm(e.currentTarget.value);
            setActive(0);
          }}
          onKeyDown={onKey}
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls="global-search-results"
          aria-activedescendant={hits[active] ? `search-hit-${active}` : undefined}
          aria-autocomplete="list"
        />
        <div id="global-search-results" role="listbox" aria-label="Search results">
          {hits.map((h, i) => (
            <UnstyledButton
              key={`${h.kind}-${h.name}`}
              id={`search-hit-${i}`}
              role="option"
              aria-selected={i === active}
              tabIndex={-1}
              onMouseEnter={() => setActive(i)}
              onClick={() => open(h)}
              w="100%"
              p="xs"
              style={{ borderRadius: 6, background: i === active ? 'var(--mantine-color-default-hover)' : undefined }}
            >
              <Group justify="space-between" wrap="nowrap">
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" fw={500}>
                    {h.name}
                  </Text>
                  {h.detail && (
                    <Text size="xs" c="dimmed" truncate>
                      {h.detail}
                    </Text>
                  )}
                </div>
                <Badge variant="outline" color="gray" tt="none">
                  {h.kind}
                </Badge>
              </Group>
            </UnstyledButton>
          ))}
        </div>
        <Text size="xs" c="dimmed" role="status">
          {!debounced ? 'Type to search users, policies and pages by name.' : q.isFetching ? 'Searching…' : hits.length === 0 ? `Nothing named like “${debounced}”.` : `${hits.length} result${hits.length === 1 ? '' : 's'}: ↑ ↓ to choose, Enter to open.`}
        </Text>
      </Stack>
    </Modal>
  );
}
