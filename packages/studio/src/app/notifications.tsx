import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type NotificationTone = 'info' | 'success' | 'warning' | 'error';

export interface AppNotification {
  readonly id: number;
  readonly at: number;
  readonly title: string;
  readonly message?: string;
  readonly tone: NotificationTone;
  /** Where "open" goes, e.g. the resource whose state changed. */
  readonly to?: string;
  readonly read: boolean;
}

interface NotificationsApi {
  readonly items: readonly AppNotification[];
  readonly unread: number;
  /** The newest ones still shown as toasts. */
  readonly toasts: readonly AppNotification[];
  notify(n: { title: string; message?: string; tone?: NotificationTone; to?: string }): void;
  dismissToast(id: number): void;
  markAllRead(): void;
  clear(): void;
}

const Ctx = createContext<NotificationsApi | undefined>(undefined);
let nextId = 1;

/** Holds state-change and result notifications for the session (newest first). */
export function NotificationsProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<readonly AppNotification[]>([]);
  const [toastIds, setToastIds] = useState<readonly number[]>([]);
  const dismissToast = useCallback((id: number) => setToastIds((t) => t.filter((x) => x !== id)), []);
  const notify = useCallback<NotificationsApi['notify']>(
    (n) => {
      const item: AppNotification = { id: nextId++, at: Date.now(), tone: n.tone ?? 'info', read: false, title: n.title, ...(n.message ? { message: n.message } : {}), ...(n.to ? { to: n.to } : {}) };
      setItems((xs) => [item, ...xs].slice(0, 100));
      setToastIds((t) => [item.id, ...t].slice(0, 3));
      setTimeout(() => dismissToast(item.id), 6000);
    },
    [dismissToast],
  );
  const api = useMemo<NotificationsApi>(
    () => ({
      items,
      unread: items.filter((i) => !i.read).length,
      toasts: items.filter((i) => toastIds.includes(i.id)),
      notify,
      dismissToast,
      markAllRead: () => setItems((xs) => xs.map((x) => (x.read ? x : { ...x, read: true }))),
      clear: () => setItems([]),
    }),
    [items, toastIds, notify, dismissToast],
  );
  return <Ctx.Provider value={api}>{children}</Ctx.Provider>;
}

export function useNotifications(): NotificationsApi {
  const c = useContext(Ctx);
  if (!c) throw new Error('useNotifications outside NotificationsProvider');
  return c;
}
