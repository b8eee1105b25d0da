import type { TSchema } from '@sinclair/typebox';
import { Timestamp, type AwsQueryService } from '@loam/contracts';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

const isTimestamp = (s: TSchema | undefined): boolean => s !== undefined && s['type'] === 'number' && s['description'] === Timestamp.description;

/** One value as the query protocol's XML carries it: lists as `<member>`, maps as `<entry>`, timestamps in ISO 8601. */
function value(v: unknown, schema: TSchema | undefined): string {
  if (Array.isArray(v)) return v.map((item) => `<member>${value(item, schema?.['items'] as TSchema | undefined)}</member>`).join('');
  if (v !== null && typeof v === 'object' && schema?.['patternProperties'] !== undefined) {
    // A map: `<entry><key>…</key><value>…</value></entry>`, as botocore's query parser reads one.
    const item = Object.values(schema['patternProperties'] as Record<string, TSchema>)[0];
    return Object.entries(v).map(([k, x]) => `<entry><key>${escape(k)}</key><value>${value(x, item)}</value></entry>`).join('');
  }
  if (v !== null && typeof v === 'object') {
    const props = (schema?.['properties'] ?? {}) as Record<string, TSchema>;
    return Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `<${k}>${value(x, props[k])}</${k}>`).join('');
  }
  if (typeof v === 'number' && isTimestamp(schema)) return new Date(v * 1000).toISOString();
  return escape(String(v));
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` (no Result for an empty answer). */
export function queryResponseXml(service: AwsQueryService, action: string, output: unknown, schema: TSchema, requestId: string): string {
  const hasResult = output !== null && typeof output === 'object' && Object.keys(output).length > 0;
  const result = hasResult ? `<${action}Result>${value(output, schema)}</${action}Result>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${service.xmlNamespace}">${result}<ResponseMetadata><RequestId>${escape(requestId)}</RequestId></ResponseMetadata></${action}Response>`;
}

/** The query protocol's error document, which botocore reads `Code` and `Message` from. */
export function queryErrorXml(service: AwsQueryService | undefined, status: number, code: string, message: string, requestId: string): string {
  const ns = service ? ` xmlns="${service.xmlNamespace}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${ns}><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error><RequestId>${escape(requestId)}</RequestId></ErrorResponse>`;
}
