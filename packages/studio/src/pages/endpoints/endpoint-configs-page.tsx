import { Link } from '@tanstack/react-router';
import { Anchor, Group, Stack, Text, Title } from '@mantine/core';
import { ResourceList } from '../../patterns/resource-list.js';
import { CreateDialog } from '../models/create-dialog.js';
import { endpointConfigPath, stampedName } from '../models/model-paths.js';

/** Endpoint configs: which models an endpoint serves, on how many instances, with what share of traffic. */
export function EndpointConfigsPage() {
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Endpoint configs
          </Title>
          <Text size="sm" c="dimmed">
            Production variants (a <Anchor component={Link} to="/models">model</Anchor>, an instance count and a traffic weight each), and data capture. Deploy one on an{' '}
            <Anchor component={Link} to="/endpoints">endpoint</Anchor>.
          </Text>
        </div>
        <CreateDialog
          operation="CreateEndpointConfig"
          title="Create endpoint config"
          nameKey="EndpointConfigName"
          listOperation="ListEndpointConfigs"
          pathOf={endpointConfigPath}
          initialCounts={{ ProductionVariants: 1 }}
          initial={() => ({
            EndpointConfigName: stampedName('config'),
            'ProductionVariants.0.VariantName': 'AllTraffic',
            'ProductionVariants.0.InstanceType': 'ml.m5.large',
            'ProductionVariants.0.InitialInstanceCount': '1',
            'ProductionVariants.0.InitialVariantWeight': '1',
            // Unset rather than false: a false switch would send DataCaptureConfig without its required members.
            'DataCaptureConfig.EnableCapture': '',
          })}
        />
      </Group>
      <ResourceList operation="ListEndpointConfigs" linkTo={(c) => endpointConfigPath(String(c.EndpointConfigName))} omitColumns={['EndpointConfigArn']} caption="Endpoint configs" empty="No endpoint configs yet." />
    </Stack>
  );
}
