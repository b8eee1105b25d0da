import { AccessDeniedError } from '@loam/core';

/**
 * Defeats DNS rebinding: a page on another origin that resolves its own name to 127.0.0.1 still sends
 * its own Host header, which is not on the list.
 */
export function hostChecker(allowedHosts: readonly string[], boundHost: string): (hostHeader: string | undefined) => void {
  const allowed = hostAllowed(allowedHosts, boundHost);
  return (hostHeader) => {
    if (!allowed(hostHeader)) {
      const hostname = hostnameOf(hostHeader ?? '');
      throw new AccessDeniedError(`Host '${hostname || '(none)'}' is not allowed. Add it to server.allowedHosts (LOAM_SERVER__ALLOWED_HOSTS) to serve under that name.`);
    }
  };
}

/** The same test as {@link hostChecker}, as a boolean; remembers the last Host it allowed (clients send the same one). */
export function hostAllowed(allowedHosts: readonly string[], boundHost: string): (hostHeader: string | undefined) => boolean {
  const allowed = new Set([...allowedHosts, boundHost].map((h) => h.toLowerCase()));
  let lastAllowed: string | undefined;
  return (hostHeader) => {
    if (hostHeader !== undefined && hostHeader === lastAllowed) return true;
    const hostname = hostnameOf(hostHeader ?? '');
    // `<bucket>.localhost` (S3 virtual-hosted style) always resolves to loopback, so it cannot be rebound.
    const ok = allowed.has(hostname) || (allowed.has('localhost') && /^[a-z0-9][a-z0-9.-]*\.localhost$/.test(hostname));
    if (ok) lastAllowed = hostHeader;
    return ok;
  };
}

/** `example.com:7717` → `example.com`; `[::1]:7717` → `[::1]`. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}
