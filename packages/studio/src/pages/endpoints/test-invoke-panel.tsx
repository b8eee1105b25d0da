import { useState, type FormEvent } from 'react';
import { Alert, Autocomplete, Badge, Button, Code, Group, NativeSelect, Stack, Text, Textarea } from '@mantine/core';
import { ForecastChart } from './forecast-chart.js';
import { builtInContentTypes, invokeEndpoint, type InvocationResult } from './invoke-endpoint.js';

const DEEPAR_EXAMPLE = '{"instances": [{"start": "2024-01-01 00:00:00", "target": [12.1, 13.4, 15.0, 14.2]}],\n "configuration": {"output_types": ["mean", "quantiles"], "quantiles": ["0.1", "0.5", "0.9"]}}';

/**
 * What an error answer says, in words: InvokeEndpoint's JSON error carries the model's own message
 * (`OriginalMessage`, e.g. "Row 1, column 1: 'hello' is not a number.") inside a longer `message`.
 */
export function refusalOf(body: string): { message: string; model: boolean } | undefined {
  try {
    const j = JSON.parse(body) as { OriginalMessage?: unknown; message?: unknown; Message?: unknown };
    if (typeof j.OriginalMessage === 'string' && j.OriginalMessage) return { message: j.OriginalMessage, model: true };
    const m = j.message ?? j.Message;
    return typeof m === 'string' && m ? { message: m, model: false } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends one request to the endpoint and shows the answer, the variant that answered and the latency;
 * a DeepAR forecast is also drawn over the series it continues.
 */
export function TestInvokePanel({ endpointName, variants, inService, forecaster = false }: { endpointName: string; variants: readonly string[]; inService: boolean; forecaster?: boolean }) {
  // A DeepAR endpoint (its image is forecasting-deepar) takes SageMaker's JSON request, shown as the
  // placeholder. The default follows the image (known once the endpoint has deployed) until the user picks one.
  const [chosenType, setContentType] = useState<string | undefined>();
  const contentType = chosenType ?? (forecaster ? 'application/json' : 'text/csv');
  const [accept, setAccept] = useState('');
  const [target, setTarget] = useState('');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<InvocationResult | undefined>();
  // The body the shown answer is for (the text box may have changed since).
  const [sent, setSent] = useState('');
  // A new answer starts its chart afresh (the instance shown goes back to the first).
  const [answers, setAnswers] = useState(0);
  const [failure, setFailure] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      setResult(await invokeEndpoint(endpointName, { body, contentType, accept, targetVariant: target }));
      setSent(body);
      setAnswers((n) => n + 1);
    } catch (err) {
      setResult(undefined);
      setFailure(`The request did not complete: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const ok = result && result.status < 300;
  const refusal = result && !ok ? refusalOf(result.body) : undefined;
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Test invoke">
      <Stack gap="xs">
        <Group grow align="flex-start">
          <Autocomplete label="Content type" data={builtInContentTypes} value={contentType} onChange={setContentType} required />
          <Autocomplete label="Accept" placeholder="The model’s default" data={builtInContentTypes} value={accept} onChange={setAccept} />
          <NativeSelect label="Target variant" data={[{ value: '', label: 'By weight' }, ...variants]} value={target} onChange={(e) => setTarget(e.currentTarget.value)} />
        </Group>
        <Textarea
          label="Body"
          description={forecaster ? 'DeepAR: instances with a start and their target history; the answer is drawn as a forecast.' : 'For CSV, one row of features per line, without the label column.'}
          placeholder={forecaster ? DEEPAR_EXAMPLE : undefined}
          autosize
          minRows={3}
          maxRows={10}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {inService ? 'Sent as InvokeEndpoint with your session.' : 'The endpoint answers once it is InService.'}
          </Text>
          <Button type="submit" loading={busy}>
            Invoke
          </Button>
        </Group>
        {failure && <Alert color="red" title="Invocation failed">{failure}</Alert>}
        {result && (
          <Stack gap={6} role="status" aria-label="Invocation result">
            <Group gap="xs">
              <Badge color={ok ? 'teal' : 'red'} variant="light" tt="none">
                {result.status}
              </Badge>
              <Text size="sm" data-testid="invoked-variant">
                Variant: <b>{result.variant ?? '—'}</b>
              </Text>
              <Text size="sm" data-testid="invoke-latency">
                Latency: <b>{result.ms} ms</b>
              </Text>
              {result.contentType && <Text size="sm">Content type: {result.contentType}</Text>}
            </Group>
            {refusal && (
              <Alert color="red" title={`The ${refusal.model ? 'model' : 'endpoint'} refused the request`}>
                {refusal.message}
              </Alert>
            )}
            <Code block data-testid="invoke-answer" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: 240, overflow: 'auto' }}>
              {result.body || '(empty)'}
            </Code>
            {ok && <ForecastChart key={answers} request={sent} answer={result.body} />}
          </Stack>
        )}
      </Stack>
    </form>
  );
}
