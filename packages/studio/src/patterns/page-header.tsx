import type { ReactNode } from 'react';
import { Group, Text, Title } from '@mantine/core';

export interface PageHeaderProps {
  /** The page's one level-1 heading. */
  readonly title: ReactNode;
  /** One sentence under the title saying what the page is for. */
  readonly description?: ReactNode;
  /** The page's actions (create buttons, links), on the right. */
  readonly children?: ReactNode;
}

/** The top of a page: its title, what it is for, and its actions. */
export function PageHeader({ title, description, children }: PageHeaderProps) {
  return (
    <Group justify="space-between" align="flex-end">
      <div>
        <Title order={1} size="h2">
          {title}
        </Title>
        {description !== undefined && (
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        )}
      </div>
      {children}
    </Group>
  );
}
