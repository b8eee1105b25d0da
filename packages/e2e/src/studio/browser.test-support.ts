import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLoamUnderTest, type LoamUnderTest } from './loam.test-support.js';
import { ensureStudioBuilt, repoRoot } from './studio-build.test-support.js';

export const chromiumPath = '/usr/bin/chromium';
export const screenshotDir = join(repoRoot, 'test-results/studio');

/** Debian's Chromium, headless, with nothing phoning home. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PageWatch {
  /** Console errors and uncaught exceptions, except failed loads the test said to expect. */
  readonly errors: string[];
  /** Every 4xx/5xx response: `STATUS METHOD path`. */
  readonly failures: string[];
  /** Declare a failing response the next step will cause (e.g. `409 POST /api/v1/users`). */
  expect(failure: string): void;
  /** Failures that happened but were not expected. */
  unexpected(): string[];
}

/** Records console errors, page errors and HTTP failures, so a test can assert there were none it didn't ask for. */
export function watchPage(page: Page): PageWatch {
  const errors: string[] = [];
  const failures: string[] = [];
  const expected: string[] = [];
  const urls = new Map<string, string>();
  page.on('response', (r: Response) => {
    if (r.status() < 400) return;
    const u = new URL(r.url());
    const f = `${r.status()} ${r.request().method()} ${u.pathname}`;
    failures.push(f);
    urls.set(r.url(), f);
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location().url;
    // Chromium logs every 4xx as "Failed to load resource"; one the test expected is not an error.
    if (/^Failed to load resource/.test(m.text()) && loc && urls.has(loc) && expected.includes(urls.get(loc)!)) return;
    errors.push(`${m.text()} (${loc})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return {
    errors,
    failures,
    expect: (f) => expected.push(f),
    unexpected: () => failures.filter((f) => !expected.includes(f)),
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Waits until a page expression is true. It polls with `page.evaluate` (the DevTools protocol, which
 * Studio's Content-Security-Policy does not govern): `page.waitForFunction` polls inside the page with an
 * eval the policy refuses, so it fails whenever its first check is false.
 */
export async function waitForPage(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting in the page for: ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs axe-core on the page as it is now; returns serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe !== "undefined"');
  if (!loaded) await page.evaluate(axe.source);
  const result = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] })')) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(vs: readonly AxeViolation[]): string {
  return vs.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 4).map((n) => `  ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface StudioOptions {
  /** The browser window; 1440×900 unless given. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Playwright's default timeout for each page action; 20 s unless given. */
  readonly actionTimeout?: number;
  /** Seeds Loam (through the API, S3, the platform) after it started and before the browser opens. */
  readonly prepare?: (t: LoamUnderTest) => Promise<void>;
  /** Failed responses the whole journey causes on purpose (`STATUS METHOD path`), declared before signing in. */
  readonly expectFailures?: readonly string[];
  /** Sign in with the one-time link and wait for Home; true unless given (a journey may test signing in itself). */
  readonly signIn?: boolean;
}

/** A real Loam and a Chromium page on its Studio, with what every Studio journey checks. */
export interface Studio {
  readonly t: LoamUnderTest;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly watch: PageWatch;
  /** The names given to `check`, in order. */
  readonly checked: readonly string[];
  /** Screenshot and accessibility check of the page as it is now: no serious or critical axe violations. */
  check(name: string): Promise<void>;
  /** The page's level-1 heading with this name. */
  heading(name: string | RegExp): Locator;
  /** A link of the main navigation, by its exact label. */
  nav(label: string): Locator;
  close(): Promise<void>;
}

/** Starts a real Loam on a fresh data directory, opens Chromium on its Studio and (unless told not to) signs in. */
export async function openStudio(opts: StudioOptions = {}): Promise<Studio> {
  ensureStudioBuilt();
  const t = await startLoamUnderTest();
  let browser: Browser | undefined;
  try {
    await opts.prepare?.(t);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(opts.actionTimeout ?? 20_000);
    const watch = watchPage(page);
    for (const f of opts.expectFailures ?? []) watch.expect(f);
    const checked: string[] = [];
    const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
    const b = browser;
    const studio: Studio = {
      t,
      browser: b,
      context,
      page,
      watch,
      checked,
      async check(name) {
        checked.push(name);
        // Let dialogs finish fading in or out: axe measures contrast of what is painted.
        await waitForPage(page, 'document.getAnimations().every((a) => a.playState !== "running")');
        await screenshot(page, name);
        const v = await seriousA11yViolations(page);
        expect(describeViolations(v), `axe on ${name}`).toBe('');
      },
      heading,
      nav: (label) => page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: label, exact: true }),
      async close() {
        await b.close();
        await t.close();
      },
    };
    if (opts.signIn ?? true) {
      await page.goto(t.loginUrl);
      // The link's page names the user; its one button signs in (a link alone sets no cookie).
      await page.getByRole('button', { name: 'Sign in as admin' }).click();
      await heading('Welcome, admin').waitFor();
    }
    return studio;
  } catch (e) {
    await browser?.close();
    await t.close();
    throw e;
  }
}

/**
 * Opens Studio in `beforeAll` (with `setupTimeout`, for journeys that seed a lot) and closes it in
 * `afterAll`. Call it inside `describe`; the returned Studio can be used from the tests on, and its
 * `check`, `heading` and `nav` can be destructured up front.
 */
export function useStudio(opts: StudioOptions & { readonly setupTimeout?: number } = {}): Studio {
  let open: Studio | undefined;
  beforeAll(async () => {
    open = await openStudio(opts);
  }, opts.setupTimeout);
  afterAll(async () => {
    await open?.close();
  });
  const studio = (): Studio => {
    if (!open) throw new Error('Studio is not open (did its beforeAll fail?)');
    return open;
  };
  return {
    get t() { return studio().t; },
    get browser() { return studio().browser; },
    get context() { return studio().context; },
    get page() { return studio().page; },
    get watch() { return studio().watch; },
    get checked() { return studio().checked; },
    check: (name) => studio().check(name),
    heading: (name) => studio().heading(name),
    nav: (label) => studio().nav(label),
    close: () => studio().close(),
  };
}

/**
 * The last test of a journey: no console errors and no failed requests it did not expect, on any page
 * it visited (even when an earlier test failed), and at least `minChecks` pages checked when given.
 */
export function itHadNoConsoleErrors(studio: Studio, minChecks?: number): void {
  it('had no console errors and no unexpected failed requests on any page', () => {
    if (minChecks !== undefined) expect(studio.checked.length).toBeGreaterThanOrEqual(minChecks);
    expect(studio.watch.errors).toEqual([]);
    expect(studio.watch.unexpected()).toEqual([]);
  });
}
