import type { TSchema } from '@sinclair/typebox';
import { restStatus, type ErrorCode } from '../errors.js';
import { pathParams, type Operation } from '../operation.js';
import { operationList } from '../operations/index.js';

type Json = Record<string, unknown>;

/** TypeBox schemas are JSON Schema; a JSON round trip drops TypeBox's symbol keys. */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

const always: readonly ErrorCode[] = ['UnrecognizedClientException', 'AccessDeniedException', 'ValidationException', 'PayloadTooLargeException', 'ThrottlingException', 'InternalFailure'];

function responses(op: Operation): Json {
  const out: Json = {
    '200': { description: 'Success', content: { 'application/json': { schema: plain(op.output) } } },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...op.errors, ...always])) {
    const s = restStatus[code];
    byStatus.set(s, [...(byStatus.get(s) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: codes.join(', '),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return out;
}

function operationObject(op: Operation): Json {
  const input = plain(op.input) as { properties?: Record<string, Json>; required?: string[] };
  const props = input.properties ?? {};
  const required = new Set(input.required ?? []);
  const inPath = pathParams(op.rest.path);
  const parameters: Json[] = inPath.map((name) => ({ name, in: 'path', required: true, schema: props[name] ?? { type: 'string' } }));
  const bodyless = op.rest.method === 'GET' || op.rest.method === 'DELETE';
  const rest = Object.fromEntries(Object.entries(props).filter(([k]) => !inPath.includes(k)));
  const o: Json = {
    operationId: op.name,
    summary: op.summary,
    tags: [op.capability],
    'x-loam-iam-action': op.iamAction,
    'x-loam-resource': op.resource,
    ...(op.alsoOn ? { 'x-loam-also-on': op.alsoOn } : {}),
    // On an AWS protocol: JSON 1.1 (SageMaker, Application Auto Scaling) or query (CloudWatch), of which service.
    'x-loam-aws-json': op.aws && (op.awsService?.protocol ?? 'json') === 'json',
    ...(op.aws && op.awsService ? { 'x-loam-aws-service': op.awsService.clientName } : {}),
    'x-loam-kind': op.kind,
    parameters,
    responses: responses(op),
  };
  if (bodyless) {
    for (const [name, schema] of Object.entries(rest)) parameters.push({ name, in: 'query', required: required.has(name), schema });
  } else {
    o.requestBody = {
      required: true,
      content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: rest, required: [...required].filter((k) => !inPath.includes(k)) } } },
    };
  }
  return o;
}

/** The OpenAPI 3.1 document for Loam's REST API, generated from the operation table. */
export function buildOpenApi(ops: readonly Operation[] = operationList): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of [...ops].sort((a, b) => a.rest.path.localeCompare(b.rest.path) || a.name.localeCompare(b.name))) {
    const p = (paths[op.rest.path] ??= {});
    p[op.rest.method.toLowerCase()] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Loam REST API',
      version: '1',
      description: 'Generated from the operation table in @loam/contracts. Do not edit; run `npm run openapi`.',
    },
    servers: [{ url: 'http://127.0.0.1:7717' }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`loam_api_token` in <data-dir>/credentials).' },
        session: { type: 'apiKey', in: 'cookie', name: 'loam_session', description: 'A Studio session; unsafe methods also need the X-CSRF-Token header.' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', description: "SageMaker's exception name" },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
