import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { repoRoot } from './studio-build.test-support.js';

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
