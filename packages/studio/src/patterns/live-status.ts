import { useEffect, useRef } from 'react';
import { useNotifications } from '../app/notifications.js';

/**
 * Watches polled rows for status changes and posts each one to the notifications area — the way a
 * user learns a job finished or an endpoint went InService without reloading.
 */
export function useStatusChanges(
  rows: readonly Record<string, unknown>[] | undefined,
  keyField: string | undefined,
  statusField: string | undefined,
  describe: (row: Record<string, unknown>) => { title: string; to?: string },
): void {
  const { notify } = useNotifications();
  const seen = useRef<Map<string, string> | undefined>(undefined);
  useEffect(() => {
    if (!rows || !keyField || !statusField) return;
    const now = new Map(rows.map((r) => [String(r[keyField]), String(r[statusField])]));
    const before = seen.current;
    seen.current = now;
    if (!before) return;
    for (const r of rows) {
      const k = String(r[keyField]);
      const was = before.get(k);
      const is = now.get(k);
      if (was !== undefined && is !== undefined && was !== is) {
        const d = describe(r);
        notify({ title: `${d.title} is now ${is}`, message: `It was ${was}.`, tone: /Fail/i.test(is) ? 'error' : 'info', ...(d.to ? { to: d.to } : {}) });
      }
    }
  }, [rows, keyField, statusField, describe, notify]);
}
