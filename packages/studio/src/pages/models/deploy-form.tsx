import { useId, useMemo, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { Anchor, Button, Group, Stack, Switch, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { bucketExists, bucketOf, ensureDefaultBucket } from '../../api/default-bucket.js';
import { useNotifications } from '../../app/notifications.js';
import { useDefaultBucket, useExecutionRole } from '../../app/session.js';
import { missingBucketWarning } from '../jobs/output-locations.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { FieldPickers } from '../../patterns/field-pickers.js';
import { FormField } from '../../patterns/form-field.js';
import { RoleField } from '../../patterns/role-field.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { validateField, type FormValue } from '../../schema/validate.js';
import { deployFieldOf, deployFields, deployNames, packageDeployNames, type DeployField } from './deploy-fields.js';
import { DeployProgress, type DeployStep, type StepState } from './deploy-progress.js';
import { endpointPath, modelPath, stampedName } from './model-paths.js';

type Values = Record<DeployField, string>;

/** What is deployed: an existing model, or a registered version, for which the form creates the model first. */
export type DeploySource =
  | { readonly kind: 'model'; readonly model: string }
  | { readonly kind: 'package'; readonly arn: string; readonly group: string; readonly version: number | undefined };

/**
 * Deploy in one form: (for a registered version, a model whose container is the package, with an execution
 * role) an endpoint config with one variant (and data capture when asked), then an endpoint on it; the
 * endpoint's page opens while it comes up. Each resource's progress is listed as it goes. A failed endpoint
 * leaves no orphan config; a model created for it is kept, said so, and used by the next attempt.
 */
export function DeployForm({ source, onCancel }: { source: DeploySource; onCancel: () => void }) {
  const formId = useId().replace(/:/g, '');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const role = useExecutionRole();
  const fromPackage = source.kind === 'package' ? source : undefined;
  const proposed = useMemo(() => (fromPackage ? packageDeployNames(fromPackage.group, fromPackage.version) : undefined), [fromPackage]);
  const names = deployNames(source.kind === 'model' ? source.model : proposed!.model);
  const defaultBucket = useDefaultBucket();
  // Where the SageMaker SDK's DataCaptureConfig captures by default: <default bucket>/model-monitor/data-capture.
  const [values, setValues] = useState<Values>({
    model: proposed?.model ?? '', role: role.proposed, endpoint: proposed?.endpoint ?? names.endpoint,
    instanceType: 'ml.m5.large', instanceCount: '1', destination: `s3://${defaultBucket}/model-monitor/data-capture`, sampling: '100',
  });
  const [warning, setWarning] = useState<string | undefined>();
  const [capture, setCapture] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<DeployField, string>>>({});
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const [steps, setSteps] = useState<DeployStep[]>([]);
  // The model this form created from the version: a later attempt (after the endpoint failed) deploys it
  // rather than creating another.
  const [createdModel, setCreatedModel] = useState<string | undefined>();
  const asksModel = fromPackage !== undefined && createdModel === undefined;
  const shown: DeployField[] = [...(asksModel ? (['model', 'role'] as const) : []), 'endpoint', 'instanceType', 'instanceCount', ...(capture ? (['destination', 'sampling'] as const) : [])];
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
    // What exists so far, shown as it goes: on a failure the list says what was created and what was undone.
    const done: DeployStep[] = [];
    const show = (kind: string, name: string, state: StepState) => {
      const i = done.findIndex((d) => d.kind === kind);
      if (i >= 0) done[i] = { kind, name, state };
      else done.push({ kind, name, state });
      setSteps([...done]);
    };
    let stage: 'model' | 'config' | 'endpoint' = 'model';
    let model = source.kind === 'model' ? source.model : createdModel;
    let modelIsNew = false;
    if (createdModel) show('Model', createdModel, 'created');
    const createConfig = (name: string) =>
      loam.CreateEndpointConfig({
        EndpointConfigName: name,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model!, InstanceType: values.instanceType as never, InitialInstanceCount: Number(values.instanceCount), InitialVariantWeight: 1 }],
        ...(capture ? { DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: Number(values.sampling), DestinationS3Uri: values.destination.trim(), CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }],
          // Readable captures, as the SageMaker Python SDK asks by default (without a header SageMaker writes base64).
          CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json', 'application/jsonlines'] } } } : {}),
      });
    try {
      if (fromPackage && !model) {
        model = values.model.trim();
        const roleArn = values.role.trim();
        show('Model', model, 'running');
        await loam.CreateModel({ ModelName: model, PrimaryContainer: { ModelPackageName: fromPackage.arn }, ExecutionRoleArn: roleArn });
        role.remember([roleArn]);
        modelIsNew = true;
        setCreatedModel(model);
        show('Model', model, 'created');
        void qc.invalidateQueries({ queryKey: ['ListModels'] });
      }
      stage = 'config';
      show('Endpoint config', config, 'running');
      try {
        await createConfig(config);
      } catch (err) {
        // `<endpoint>-config` outlives a deleted endpoint: reusing the endpoint's name must not fail on it
        // (the message would be about a config the user never named). Take a stamped name instead.
        if ((err as { code?: string }).code !== 'ResourceInUse') throw err;
        config = names.config(stampedName(endpoint.slice(0, 40).replace(/-+$/, '')));
        show('Endpoint config', config, 'running');
        await createConfig(config);
      }
      show('Endpoint config', config, 'created');
      stage = 'endpoint';
      show('Endpoint', endpoint, 'running');
      await loam.CreateEndpoint({ EndpointName: endpoint, EndpointConfigName: config });
      show('Endpoint', endpoint, 'created');
      void qc.invalidateQueries({ queryKey: ['ListEndpoints'] });
      void qc.invalidateQueries({ queryKey: ['ListEndpointConfigs'] });
      const what = fromPackage ? `${fromPackage.group} version ${fromPackage.version ?? ''}` : model!;
      notify({ title: `Deploying ${what} on ${endpoint}`, message: modelIsNew ? `Model ${model} created from the version.` : undefined, tone: 'success', to: endpointPath(endpoint) });
      if (missing) notify({ title: `Capture bucket '${missing}' does not exist`, message: missingBucketWarning(missing, 'the endpoint could not store any capture'), tone: 'warning' });
      void navigate({ to: endpointPath(endpoint) });
    } catch (err) {
      const last = done[done.length - 1];
      if (last?.state === 'running') show(last.kind, last.name, 'failed');
      if (stage === 'endpoint') {
        const removed = await loam.DeleteEndpointConfig({ EndpointConfigName: config }).then(() => true, () => false);
        show('Endpoint config', config, removed ? 'removed' : 'left');
      }
      if (fromPackage && model && stage !== 'model') show('Model', model, 'kept');
      const iamAction = { model: 'sagemaker:CreateModel', config: 'sagemaker:CreateEndpointConfig', endpoint: 'sagemaker:CreateEndpoint' }[stage];
      const u = toUserFacingError(err, { iamAction });
      const byField: Partial<Record<DeployField, string>> = {};
      for (const fe of (err as { fields?: { path: string; message: string }[] }).fields ?? []) {
        const k = deployFieldOf(fe.path);
        if (k && shown.includes(k) && !byField[k]) byField[k] = fe.message;
      }
      if (u.code === 'ResourceInUse' && Object.keys(byField).length === 0) byField[stage === 'model' ? 'model' : 'endpoint'] = `${u.detail} Choose another name.`;
      const kind = { model: 'model', config: 'endpoint config', endpoint: 'endpoint' }[stage];
      setErrors(byField);
      // The title names the step that failed; the progress list above says what exists.
      setFailure({ ...u, title: `Could not create the ${kind}: ${u.title}` });
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
  const configName = names.config(values.endpoint.trim() || names.endpoint);
  return (
    <FieldPickers pickers={{ [deployFields.role.name]: RoleField }}>
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={`${formId}-summary`}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed" id={`${formId}-summary`}>
            {source.kind === 'model' ? (
              <>
                Creates endpoint config <strong>{configName}</strong> (one variant, AllTraffic, serving {source.model}) and an endpoint on it.
              </>
            ) : createdModel ? (
              <>
                Deploys model{' '}
                <Anchor component={Link} to={modelPath(createdModel)}>
                  {createdModel}
                </Anchor>
                , created from version {source.version ?? ''}: creates endpoint config <strong>{configName}</strong> and an endpoint on it.
              </>
            ) : (
              <>
                Creates a model from version {source.version ?? ''} of {source.group}, endpoint config <strong>{configName}</strong> (one variant, AllTraffic, serving the model) and an endpoint on it.
              </>
            )}
          </Text>
          <DeployProgress steps={steps} />
          {failure && <ErrorAlert error={failure} placed={Object.keys(errors).map((k) => deployFields[k as DeployField].name.split('.')[0]!)} onClose={() => setFailure(undefined)} />}
          {asksModel && field('model')}
          {asksModel && field('role')}
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
    </FieldPickers>
  );
}
