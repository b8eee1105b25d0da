import { AccessDeniedError } from '@loam/core';

/**
 * Defeats DNS rebinding: a page on another origin that resolves its own name to 127.0.0.1 still sends
 * its own Host header, which is not on the list.
 */
export function hostChecker(allowedHosts: readonly string[], boundHost: string): (hostHeader: string | undefined) => void {
  const allowed = new Set([...allowedHosts, boundHost].map((h) => h.toLowerCase()));
  return (hostHeader) => {
    const hostname = hostnameOf(hostHeader ?? '');
    // `<bucket>.localhost` (S3 virtual-hosted style) always resolves to loopback, so it cannot be rebound.
    if (!allowed.has(hostname) && !(allowed.has('localhost') && /^[a-z0-9][a-z0-9.-]*\.localhost$/.test(hostname))) {
      throw new AccessDeniedError(`Host '${hostname || '(none)'}' is not allowed. Add it to server.allowedHosts (LOAM_SERVER__ALLOWED_HOSTS) to serve under that name.`);
    }
  };
}

/** `example.com:7717` → `example.com`; `[::1]:7717` → `[::1]`. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}
