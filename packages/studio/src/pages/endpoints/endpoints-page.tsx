import { Link } from '@tanstack/react-router';
import { Anchor, Stack } from '@mantine/core';
import { JobList } from '../jobs/job-list.js';
import { CreateDialog } from '../models/create-dialog.js';
import { endpointPath, stampedName } from '../models/model-paths.js';
import { PageHeader } from '../../patterns/page-header.js';

/** Endpoints: every real-time endpoint with its live status, and a form to create one from a config. */
export function EndpointsPage() {
  return (
    <Stack>
      <PageHeader
        title="Endpoints"
        description={
          <>
            Real-time inference with weighted variants and blue/green updates. Each serves an{' '}
            <Anchor component={Link} to="/endpoint-configs">endpoint config</Anchor>.
          </>
        }
      >
        <CreateDialog operation="CreateEndpoint" title="Create endpoint" nameKey="EndpointName" listOperation="ListEndpoints" pathOf={endpointPath} initial={() => ({ EndpointName: stampedName('endpoint') })} />
      </PageHeader>
      <JobList operation="ListEndpoints" linkTo={(e) => endpointPath(String(e.EndpointName))} omitColumns={['EndpointArn']} pollMs={2000} caption="Endpoints" empty="No endpoints yet. Create a model and an endpoint config, then an endpoint." />
    </Stack>
  );
}
