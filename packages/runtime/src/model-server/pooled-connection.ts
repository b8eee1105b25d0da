/**
 * How long a pooled connection to a model server may sit idle before Loam closes it: under the shortest
 * keep-alive timeout common servers use (gunicorn's 2 s; Node's and uvicorn's 5 s), so a server never ends an
 * idle connection just as Loam sends a request on it (the request would be reset before any answer). Set as
 * the `timeout` of every `http.Agent` that keeps connections to a model server alive: endpoints' instances and
 * batch transform's model client. With it set, Node's Agent also honours a server's `Keep-Alive: timeout=N`
 * hint (closing a second before); with no agent timeout it ignores the hint.
 */
export const POOLED_CONNECTION_IDLE_MS = 1000;
