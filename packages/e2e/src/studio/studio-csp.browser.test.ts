import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildHttpApp } from '@loam/server/http/build-app';
import { registerStudioRoutes } from '@loam/server/http/studio.routes';
import { launchChromium, waitForPage } from './browser.test-support.js';

// Studio's document carries a Content-Security-Policy: its own bundle runs, a script that reached the
// page any other way (inline, an event handler, another origin) does not. React escapes what Studio
// renders; this is the second line, for a rendering that would not. Checked in Debian's Chromium on
// Loam's Studio routes, with a page that holds such scripts.

const indexHtml = `<!doctype html><html><head><script type="module" src="/assets/index-abc.js"></script></head><body>
<div id="root"></div>
<script>window.inlineRan = true</script>
<img src="/nope.png" onerror="window.handlerRan = true">
<script src="http://127.0.0.2:9/evil.js"></script>
</body></html>`;

let dist: string;
let app: FastifyInstance;
let url: string;
let browser: Browser;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'studio-csp-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), indexHtml);
  // The bundle: runs, and adds what a rendering that failed to escape would (an inline script, a handler).
  writeFileSync(join(dist, 'assets', 'index-abc.js'), `
window.bundleRan = true;
try { eval('window.evalRan = true'); } catch { window.evalRefused = true; }
const s = document.createElement('script'); s.textContent = 'window.injectedRan = true'; document.body.append(s);
document.getElementById('root').innerHTML = '<img src="/nope2.png" onerror="window.injectedHandlerRan = true"><a id="js" href="javascript:window.linkRan = true">x</a>';
`);
  app = buildHttpApp({ logger: false, allowedHosts: ['127.0.0.1'], boundHost: '127.0.0.1', bodyLimit: 1024 });
  registerStudioRoutes(app, { distDir: dist });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe("Studio's Content-Security-Policy", () => {
  it('runs only the bundle Loam serves: no inline script, event handler, javascript: link, eval or script from elsewhere', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/.test(m.text())) refused.push(m.text());
    });
    await page.goto(`${url}/experiments`);
    await waitForPage(page, 'window.bundleRan === true');
    await page.click('#js');
    await page.waitForTimeout(300); // the images' error events
    const ran = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { inline: w['inlineRan'], handler: w['handlerRan'], injected: w['injectedRan'], injectedHandler: w['injectedHandlerRan'], link: w['linkRan'], eval: w['evalRan'], evalRefused: w['evalRefused'] };
    });
    expect(ran).toEqual({ inline: undefined, handler: undefined, injected: undefined, injectedHandler: undefined, link: undefined, eval: undefined, evalRefused: true });
    expect(refused.length).toBeGreaterThanOrEqual(5);
    await page.close();
  });
});
