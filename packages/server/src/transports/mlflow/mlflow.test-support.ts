import type { FastifyInstance } from 'fastify';
import { stringifyMlflowJson } from './mlflow-json.js';

/** A tiny MLflow REST caller over `inject()`: `call('POST', 'runs/create', body)` → status and JSON. */
export function mlflowCaller(app: FastifyInstance, authorization: string, prefix = '/api/2.0/mlflow') {
  return async (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const query = method === 'GET' && body ? `?${new URLSearchParams(Object.entries(body).flatMap(([k, v]): [string, string][] => (Array.isArray(v) ? v.map((x): [string, string] => [k, String(x)]) : [[k, String(v)]]))).toString()}` : '';
    const res = await app.inject({
      method,
      url: `${prefix}/${path}${query}`,
      headers: { authorization, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(method === 'POST' ? { payload: stringifyMlflowJson(body ?? {}) } : {}),
    });
    return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, any>) : {}, headers: res.headers };
  };
}
