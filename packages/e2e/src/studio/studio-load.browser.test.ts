import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, useStudio, waitForPage } from './browser.test-support.js';

// What signing in to Studio costs, in Chromium against a real Loam: the session is asked for once, while the bundle
// downloads (not after it ran), and the bundle every page loads first holds no chart library (Recharts and its
// dependencies were most of it): charts load where one is shown.
describe('Studio loading', { retry: 0 }, () => {
  const studio = useStudio({ signIn: false });
  const { check, heading } = studio;

  it('asks who is signed in once, before the bundle has arrived', async () => {
    const { t, page } = studio;
    await page.goto(t.loginUrl);
    await page.getByRole('button', { name: 'Sign in as admin' }).click();
    await heading('Welcome, admin').waitFor();
    const entries = (await page.evaluate(`performance.getEntriesByType('resource').map((e) => ({ path: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd, type: e.initiatorType }))`)) as {
      path: string;
      start: number;
      end: number;
      type: string;
    }[];
    const sessions = entries.filter((e) => e.path === '/auth/session');
    const bundle = entries.find((e) => /^\/assets\/index-[\w-]+\.js$/.test(e.path));
    // When the document was parsed: a module script (the bundle) runs only after, a script in <head> before.
    const parsed = (await page.evaluate(`performance.getEntriesByType('navigation')[0].domInteractive`)) as number;
    expect(sessions, JSON.stringify(entries)).toHaveLength(1);
    expect(bundle).toBeDefined();
    // Asked for as the page started, not by the bundle once it had run. (Not 'before the bundle's last byte': on a
    // busy machine the early request can start after a local bundle has arrived and still be before it ran.)
    expect(sessions[0]!.start, JSON.stringify({ parsed, entries })).toBeLessThan(parsed);
  }, 120_000);

  it('loads no chart code with the first bundle, and still draws a chart where one is shown', async () => {
    const { t, page } = studio;
    const index = await (await fetch(`${t.url}/`)).text();
    const first = [...index.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(first.length).toBeGreaterThan(0);
    for (const src of first) {
      const code = await (await fetch(new URL(src, t.url))).text();
      // Recharts' own class name: present wherever Recharts' code is.
      expect(code.includes('recharts-wrapper'), `${src} holds Recharts`).toBe(false);
    }
    // Home's health chart: the chart library is fetched when it is first drawn (two health checks in).
    const chart = page.getByRole('img', { name: /^Health check round trip/ });
    await chart.waitFor({ timeout: 30_000 });
    await waitForPage(page, `document.querySelector('[role="img"][aria-label^="Health check round trip"] .recharts-wrapper svg') !== null`, 30_000);
    await check('g01-home-chart-loaded');
  }, 120_000);

  it('says in a chart’s place that its code could not be loaded, and keeps the page (Loam updated while a tab was open)', async () => {
    const { t, context } = studio;
    // The chart library's chunk answers 404, as the old build's chunks do after an upgrade; the pages' chunks load.
    const isChartCode = async (path: string) => (await (await fetch(new URL(path, t.url))).text()).includes('recharts-wrapper');
    // A page of its own: the 404 and the chart's error are this test's, not the journey's console errors.
    const page = await context.newPage();
    try {
      await page.route((u) => /^\/assets\/.+\.js$/.test(u.pathname), async (r) => (await isChartCode(new URL(r.request().url()).pathname) ? r.fulfill({ status: 404, body: 'gone' }) : r.continue()));
      await page.goto(`${t.url}/`);
      const chart = page.getByRole('img', { name: /^Health check round trip/ });
      await chart.getByText(/This chart could not be shown \(.+\)\. If Loam was updated since this page opened, reload the page\./).waitFor({ timeout: 30_000 });
      // The rest of Home is still there (the error no longer reaches the route's 'Something went wrong').
      await page.getByRole('heading', { level: 1, name: 'Welcome, admin' }).waitFor();
      expect(await page.getByText('Something went wrong').count()).toBe(0);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('says what to do when the signed-in app’s code cannot be loaded (Loam updated while a tab was open)', async () => {
    const { t, context } = studio;
    const page = await context.newPage();
    try {
      await page.route((u) => /^\/assets\/signed-in-app-[\w-]+\.js$/.test(u.pathname), (r) => r.fulfill({ status: 404, body: 'gone' }));
      await page.goto(`${t.url}/`);
      const alert = page.getByRole('alert').filter({ hasText: 'Loam Studio could not be loaded' });
      await alert.getByText(/If Loam was updated since this page opened, reload the page\./).waitFor({ timeout: 30_000 });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('sends the sign-in page’s scripts and styles compressed, and none of the signed-in app', async () => {
    const { t, browser } = studio;
    // A browser that has never been here: nothing cached, not signed in.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const codings = new Map<string, string | undefined>();
      page.on('response', (r) => codings.set(new URL(r.url()).pathname, r.headers()['content-encoding']));
      await page.goto(`${t.url}/`);
      await page.getByRole('heading', { level: 1, name: 'Loam Studio' }).waitFor();
      const entries = (await page.evaluate(`performance.getEntriesByType('resource').map((e) => ({ path: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize }))`)) as { path: string; encoded: number; decoded: number }[];
      const code = entries.filter((e) => /\.(?:js|css)$/.test(e.path) && e.decoded > 1024);
      expect(code.map((e) => e.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/assets\/index-[\w-]+\.js$/), expect.stringMatching(/^\/assets\/index-[\w-]+\.css$/)]));
      for (const e of code) {
        // Chromium asks for brotli even over plain HTTP (the server's tests pick each coding); the bundle was 1.2 MB sent as it is.
        expect([e.path, codings.get(e.path)]).toEqual([e.path, expect.stringMatching(/^(?:br|gzip)$/)]);
        expect(e.encoded, JSON.stringify(e)).toBeLessThan(e.decoded / 3);
      }
      // The sign-in page loads one script, without the pages, the SDK or the operation table (they were 60% of it).
      const scripts = entries.filter((e) => e.path.endsWith('.js') && e.path !== '/session-early.js');
      expect(scripts.map((e) => e.path)).toEqual([expect.stringMatching(/^\/assets\/index-[\w-]+\.js$/)]);
      const entry = await (await fetch(new URL(scripts[0]!.path, t.url))).text();
      expect(entry.includes('CreateTrainingJob'), 'the entry holds the operation table').toBe(false);
    } finally {
      await context.close();
    }
  }, 120_000);

  itHadNoConsoleErrors(studio, 1);
});
