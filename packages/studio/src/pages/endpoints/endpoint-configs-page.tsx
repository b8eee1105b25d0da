import { Link } from '@tanstack/react-router';
import { Anchor, Stack } from '@mantine/core';
import { ResourceList } from '../../patterns/resource-list.js';
import { FieldPickers } from '../../patterns/field-pickers.js';
import { CreateDialog } from '../models/create-dialog.js';
import { ModelPicker } from '../models/model-picker.js';
import { endpointConfigPath, stampedName } from '../models/model-paths.js';
import { PageHeader } from '../../patterns/page-header.js';

const variantModel = ['ProductionVariants.*.ModelName'];

/** Endpoint configs: which models an endpoint serves, on how many instances, with what share of traffic. */
export function EndpointConfigsPage() {
  return (
    <Stack>
      <PageHeader
        title="Endpoint configs"
        description={
          <>
            Production variants (a <Anchor component={Link} to="/models">model</Anchor>, an instance count and a traffic weight each), and data capture. Deploy one on an{' '}
            <Anchor component={Link} to="/endpoints">endpoint</Anchor>.
          </>
        }
      >
        {/* A variant's model is picked among existing ones, searchable by name. */}
        <FieldPickers pickers={{ 'ProductionVariants.*.ModelName': ModelPicker }}>
        <CreateDialog
          operation="CreateEndpointConfig"
          title="Create endpoint config"
          nameKey="EndpointConfigName"
          listOperation="ListEndpointConfigs"
          pathOf={endpointConfigPath}
          initialCounts={{ ProductionVariants: 1 }}
          // SageMaker leaves a variant's model optional for inference components, which Loam does not offer: each variant serves a model.
          required={variantModel}
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
        </FieldPickers>
      </PageHeader>
      <ResourceList operation="ListEndpointConfigs" linkTo={(c) => endpointConfigPath(String(c.EndpointConfigName))} omitColumns={['EndpointConfigArn']} caption="Endpoint configs" empty="No endpoint configs yet." />
    </Stack>
  );
}
