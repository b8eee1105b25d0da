import { useId, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Button, Group, Modal, Stack, Switch, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { bucketExists, bucketOf, ensureDefaultBucket } from '../../api/default-bucket.js';
import { useNotifications } from '../../app/notifications.js';
import { useDefaultBucket } from '../../app/session.js';
import { missingBucketWarning } from '../jobs/output-locations.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FormField } from '../../patterns/form-field.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { validateField, type FormValue } from '../../schema/validate.js';
import { deployFieldOf, deployFields, deployNames, type DeployField } from './deploy-fields.js';
import { endpointPath, stampedName } from './model-paths.js';

type Values = Record<DeployField, string>;

/**
 * Deploy a model in one step: an endpoint config with one variant (and data capture when asked), then an
 * endpoint on it; the endpoint's page opens while it comes up. A failed endpoint leaves no orphan config.
 */
export function DeployModelButton({ model }: { model: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Deploy</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Deploy ${model}`} size="lg" closeOnClickOutside={false}>
        {open && <DeployForm model={model} onCancel={() => setOpen(false)} />}
      </Modal>
    </>
  );
}

function DeployForm({ model, onCancel }: { model: string; onCancel: () => void }) {
  const formId = useId().replace(/:/g, '');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const names = deployNames(model);
  const defaultBucket = useDefaultBucket();
  // Where the SageMaker SDK's DataCaptureConfig captures by default: <default bucket>/model-monitor/data-capture.
  const [values, setValues] = useState<Values>({ endpoint: names.endpoint, instanceType: 'ml.m5.large', instanceCount: '1', destination: `s3://${defaultBucket}/model-monitor/data-capture`, sampling: '100' });
  const [warning, setWarning] = useState<string | undefined>();
  const [capture, setCapture] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<DeployField, string>>>({});
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const shown: DeployField[] = ['endpoint', 'instanceType', 'instanceCount', ...(capture ? (['destination', 'sampling'] as const) : [])];
  const check = (k: DeployField, v: string) => validateField({ ...deployFields[k], required: true }, v);
  const focus = (es: Partial<Record<DeployField, string>>) => {
    const first = shown.find((k) => es[k]);
    if (first) document.getElementById(`${formId}-${deployFields[first].name}`)?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    const errs: Partial<Record<DeployField, string>> = {};
    for (const k of shown) {
      const m = check(k, values[k]);
      if (m) errs[k] = m;
    }
    setErrors(errs);
    if (Object.keys(errs).length > 0) return focus(errs);
    const endpoint = values.endpoint.trim();
    let config = names.config(endpoint);
    setBusy(true);
    // Captures go to a bucket that must exist (Loam drops a capture it cannot write): Studio's default
    // bucket is created now; any other is warned about, not created.
    const bucket = capture ? bucketOf(values.destination) : undefined;
    if (bucket === defaultBucket) {
      try {
        await ensureDefaultBucket(defaultBucket);
      } catch (err) {
        setErrors({ destination: `Bucket '${defaultBucket}' does not exist and could not be created.` });
        setFailure({ title: 'Default bucket unavailable', detail: (err as Error).message, fields: {}, action: '', code: 'DefaultBucketUnavailable' });
        setBusy(false);
        return;
      }
    }
    const missing = bucket && bucket !== defaultBucket && (await bucketExists(bucket)) === false ? bucket : undefined;
    let created = false;
    const createConfig = (name: string) =>
      loam.CreateEndpointConfig({
        EndpointConfigName: name,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InstanceType: values.instanceType as never, InitialInstanceCount: Number(values.instanceCount), InitialVariantWeight: 1 }],
        ...(capture ? { DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: Number(values.sampling), DestinationS3Uri: values.destination.trim(), CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }],
          // Readable captures, as the SageMaker Python SDK asks by default (without a header SageMaker writes base64).
          CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json', 'application/jsonlines'] } } } : {}),
      });
    try {
      try {
        await createConfig(config);
      } catch (err) {
        // `<endpoint>-config` outlives a deleted endpoint: reusing the endpoint's name must not fail on it
        // (the message would be about a config the user never named). Take a stamped name instead.
        if ((err as { code?: string }).code !== 'ResourceInUse') throw err;
        config = names.config(stampedName(endpoint.slice(0, 40).replace(/-+$/, '')));
        await createConfig(config);
      }
      created = true;
      await loam.CreateEndpoint({ EndpointName: endpoint, EndpointConfigName: config });
      void qc.invalidateQueries({ queryKey: ['ListEndpoints'] });
      void qc.invalidateQueries({ queryKey: ['ListEndpointConfigs'] });
      notify({ title: `Deploying ${model} on ${endpoint}`, tone: 'success', to: endpointPath(endpoint) });
      if (missing) notify({ title: `Capture bucket '${missing}' does not exist`, message: missingBucketWarning(missing, 'the endpoint could not store any capture'), tone: 'warning' });
      void navigate({ to: endpointPath(endpoint) });
    } catch (err) {
      if (created) await loam.DeleteEndpointConfig({ EndpointConfigName: config }).catch(() => undefined);
      const u = toUserFacingError(err, { iamAction: created ? 'sagemaker:CreateEndpoint' : 'sagemaker:CreateEndpointConfig' });
      const byField: Partial<Record<DeployField, string>> = {};
      for (const fe of (err as { fields?: { path: string; message: string }[] }).fields ?? []) {
        const k = deployFieldOf(fe.path);
        if (k && !byField[k]) byField[k] = fe.message;
      }
      if (u.code === 'ResourceInUse' && Object.keys(byField).length === 0) byField.endpoint = `${u.detail} Choose another name.`;
      setErrors(byField);
      setFailure(u);
      focus(byField);
      setBusy(false);
    }
  };

  const field = (k: DeployField) => (
    <FormField
      key={k}
      field={{ ...deployFields[k], required: true }}
      formId={formId}
      value={values[k]}
      error={errors[k]}
      warning={k === 'destination' ? warning : undefined}
      onChange={(v: FormValue) => {
        setValues((xs) => ({ ...xs, [k]: String(v) }));
        if (errors[k]) setErrors(({ [k]: _, ...rest }) => rest);
      }}
      onBlur={() => {
        const m = values[k] === '' ? undefined : check(k, values[k]);
        if (m) setErrors((es) => ({ ...es, [k]: m }));
        if (k === 'destination') {
          const b = bucketOf(values[k]);
          if (!b || b === defaultBucket) setWarning(undefined);
          else void bucketExists(b).then((exists) => setWarning(exists === false ? missingBucketWarning(b, 'the endpoint could not store any capture') : undefined));
        }
      }}
    />
  );
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={`${formId}-summary`}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed" id={`${formId}-summary`}>
          Creates endpoint config <strong>{names.config(values.endpoint.trim() || names.endpoint)}</strong> (one variant, AllTraffic, serving {model}) and an endpoint on it.
        </Text>
        {failure && <ErrorAlert error={failure} onClose={() => setFailure(undefined)} />}
        {field('endpoint')}
        {field('instanceType')}
        {field('instanceCount')}
        <Switch label="Capture requests and responses" checked={capture} onChange={(e) => setCapture(e.currentTarget.checked)} />
        {capture && field('destination')}
        {capture && field('sampling')}
        <Group justify="flex-end" mt="xs">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Deploy
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
