import { Link } from '@tanstack/react-router';
import { ActionIcon, Anchor, Button, CloseButton, Group, Indicator, Notification, Popover, ScrollArea, Stack, Text } from '@mantine/core';
import { timeAgo } from '../schema/format.js';
import { BellIcon } from './icons.js';
import { useNotifications, type NotificationTone } from './notifications.js';

const toneColor: Readonly<Record<NotificationTone, string>> = { info: 'blue', success: 'teal', warning: 'yellow', error: 'red' };

/** The bell: state changes and results of this session, newest first. */
export function NotificationsMenu() {
  const n = useNotifications();
  return (
    <Popover width={340} position="bottom-end" shadow="md" onOpen={() => setTimeout(n.markAllRead, 1500)}>
      <Indicator disabled={n.unread === 0} label={n.unread} size={16} offset={4} color="red.9">
        <Popover.Target>
          <ActionIcon variant="default" size="lg" aria-label={n.unread > 0 ? `Notifications, ${n.unread} unread` : 'Notifications'}>
            <BellIcon />
          </ActionIcon>
        </Popover.Target>
      </Indicator>
      <Popover.Dropdown>
        <Group justify="space-between" mb="xs">
          <Text fw={600} size="sm">
            Notifications
          </Text>
          {n.items.length > 0 && (
            <Button size="compact-xs" variant="subtle" onClick={n.clear}>
              Clear all
            </Button>
          )}
        </Group>
        {n.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing yet. Status changes of resources you are looking at, and results of what you do, appear here.
          </Text>
        ) : (
          <ScrollArea.Autosize mah={360}>
            <Stack gap={6}>
              {n.items.map((i) => (
                <div key={i.id} style={{ borderLeft: `3px solid var(--mantine-color-${toneColor[i.tone]}-filled)`, paddingLeft: 8 }}>
                  <Text size="sm" fw={i.read ? 400 : 600}>
                    {i.to ? (
                      <Anchor component={Link} to={i.to} size="sm">
                        {i.title}
                      </Anchor>
                    ) : (
                      i.title
                    )}
                  </Text>
                  {i.message && <Text size="xs">{i.message}</Text>}
                  <Text size="xs" c="dimmed">
                    {timeAgo(i.at / 1000)}
                  </Text>
                </div>
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

/** The newest notifications as toasts, announced politely to screen readers. */
export function Toasts() {
  const n = useNotifications();
  return (
    <div aria-live="polite" style={{ position: 'fixed', right: 16, bottom: 16, zIndex: 400, display: 'flex', flexDirection: 'column', gap: 8, width: 340, maxWidth: 'calc(100vw - 32px)' }}>
      {n.toasts.map((t) => (
        <Notification key={t.id} color={toneColor[t.tone]} title={t.title} withCloseButton={false} withBorder>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Text size="sm" c="var(--mantine-color-text)">{t.message ?? ''}</Text>
            <CloseButton size="sm" aria-label="Dismiss notification" onClick={() => n.dismissToast(t.id)} />
          </Group>
        </Notification>
      ))}
    </div>
  );
}
