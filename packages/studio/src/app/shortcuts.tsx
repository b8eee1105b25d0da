import { useEffect, useRef } from 'react';
import { useNavigate } from '@tanstack/react-router';
import { Kbd, Modal, Table } from '@mantine/core';
import { allNavItems } from './navigation.js';

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

export const shortcutList: readonly (readonly [string, string])[] = [
  ['/ or Ctrl K', 'Search by name'],
  ['g h', 'Go to Home'],
  ...allNavItems.filter((i) => i.key).map((i) => [`g ${i.key}`, `Go to ${i.label}`] as const),
  ['?', 'Show these shortcuts'],
  ['Tab / Shift Tab', 'Move between links, buttons and fields'],
  ['Esc', 'Close a dialog'],
];

/** Global keys: search, `g`-prefixed jumps, help. Ignored while typing in a field. */
export function useShortcuts(openSearch: () => void, openHelp: () => void): void {
  const navigate = useNavigate();
  const pendingG = useRef(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        openSearch();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector('[role="dialog"]')) return;
      if (e.key === '/') {
        e.preventDefault();
        openSearch();
      } else if (e.key === '?') {
        openHelp();
      } else if (e.key === 'g') {
        pendingG.current = Date.now();
      } else if (Date.now() - pendingG.current < 1500) {
        pendingG.current = 0;
        const to = e.key === 'h' ? '/' : allNavItems.find((i) => i.key === e.key)?.to;
        if (to) void navigate({ to });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, openSearch, openHelp]);
}

export function ShortcutsHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts">
      <Table aria-label="Keyboard shortcuts">
        <Table.Tbody>
          {shortcutList.map(([k, what]) => (
            <Table.Tr key={k}>
              <Table.Td>
                <Kbd>{k}</Kbd>
              </Table.Td>
              <Table.Td>{what}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
