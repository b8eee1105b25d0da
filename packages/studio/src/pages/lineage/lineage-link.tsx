import { Link } from '@tanstack/react-router';
import { Anchor, Text } from '@mantine/core';

export const lineagePath = '/lineage';

/** A detail page's way into the lineage graph centred on its resource. */
export function LineageLink({ arn }: { arn: string }) {
  return (
    <Text size="sm">
      <Anchor component={Link} to={lineagePath} search={{ arn } as never}>
        Open the lineage graph
      </Anchor>{' '}
      — where this came from and where it is used.
    </Text>
  );
}
