import type { FastifyInstance } from 'fastify';

/**
 * No page of Loam's may be framed by another (clickjacking: Studio's pages, the sign-in page's button,
 * user content served from Studio's origin): every answer carries `X-Frame-Options: DENY` and a CSP
 * `frame-ancestors 'none'`, added to a CSP the route already sends (user content's `sandbox`). Studio
 * frames nothing of its own.
 */
export function registerFrameHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('x-frame-options', 'DENY');
    const csp = reply.getHeader('content-security-policy');
    if (csp === undefined) void reply.header('content-security-policy', "frame-ancestors 'none'");
    else if (!/frame-ancestors/i.test(String(csp))) void reply.header('content-security-policy', `${String(csp)}; frame-ancestors 'none'`);
    return payload;
  });
}
