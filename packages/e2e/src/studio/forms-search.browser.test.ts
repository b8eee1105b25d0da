import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, screenshot, useStudio } from './browser.test-support.js';

// Forms that must not lose what the user typed or what the server said, global search over every kind of
// resource, Home's checklist, and the header on a phone — in Chromium against a real Loam.
// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Studio forms, search and Home', { retry: 0 }, () => {
  const studio = useStudio({ viewport: { width: 1280, height: 800 } });
  const { check, heading, nav } = studio;
  // "José,Zürich" in Latin-1: é and ü are single bytes that are not valid UTF-8.
  const latin1 = { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from('name,city\nJos\xe9,Z\xfcrich\nAnn,Oslo\n', 'latin1') };
  const datasetNames = async () => (await studio.t.admin.ListDatasets({})).DatasetSummaries.map((d) => d.DatasetName);

  it('shows why an import failed, and leaves no empty dataset behind', async () => {
    const { page, watch } = studio;
    await nav('Datasets').click();
    await heading('Datasets').waitFor();
    await page.getByRole('button', { name: 'Import data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import data' });
    await dialog.getByLabel('Dataset name').fill('zebra-people');
    await dialog.getByLabel('File', { exact: true }).setInputFiles(latin1);
    watch.expect('400 POST /api/v1/datasets/zebra-people/upload');
    await dialog.getByRole('button', { name: 'Import' }).click();
    // The server's reason (its errors[] names /Source, which is no field of this form) is in the alert.
    const alert = dialog.getByRole('alert');
    await alert.getByRole('list', { name: 'Problems not shown on a field' }).getByText(/^Source: .*invalid UTF-8/).waitFor();
    expect(await alert.textContent()).toMatch(/latin-1/);
    expect(await alert.textContent()).not.toContain('see the messages below each');
    await check('f01-import-failed');
    // Studio created the dataset for this attempt; the attempt failed, so it is gone again.
    await expect.poll(datasetNames).not.toContain('zebra-people');
  }, 60_000);

  it('imports the same file once its encoding is chosen', async () => {
    const { t, page } = studio;
    const dialog = page.getByRole('dialog', { name: 'Import data' });
    await dialog.getByLabel('Encoding').selectOption('latin-1');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await heading('zebra-people').waitFor({ timeout: 30_000 });
    const d = await t.admin.DescribeDataset({ DatasetName: 'zebra-people' });
    expect(d.Latest?.RowCount).toBe(2);
    expect(d.Latest?.Csv?.Encoding).toBe('latin-1');
  }, 60_000);

  it('keeps an existing dataset when importing a new version of it fails', async () => {
    const { page, watch } = studio;
    await page.getByRole('button', { name: 'Import new version' }).click();
    const dialog = page.getByRole('dialog', { name: /Import a new version of zebra-people/ });
    await dialog.getByLabel('File', { exact: true }).setInputFiles(latin1);
    watch.expect('400 POST /api/v1/datasets/zebra-people/upload');
    watch.expect('409 POST /api/v1/datasets'); // it exists: Studio goes on to add a version
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('alert').getByText(/invalid UTF-8/).first().waitFor();
    expect(await datasetNames()).toContain('zebra-people');
    // Something was chosen, so Escape asks first; Discard closes.
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor({ state: 'hidden' });
  }, 60_000);

  it('asks before Escape throws away a filled-in create form', async () => {
    const { page } = studio;
    await nav('Training jobs').click();
    await heading('Training jobs').waitFor();
    // Untouched: Escape closes at once.
    await page.getByRole('button', { name: 'Create training job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create training job' });
    await dialog.getByLabel('Training job name').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Create training job' }).click();
    await dialog.getByLabel('Training job name').fill('zebra-train');
    // The string map is edited as hyperparameters, not tags.
    await dialog.getByRole('button', { name: 'Add hyperparameter' }).click();
    await dialog.getByLabel('Hyperparameter 3 key').fill('max_depth');
    await dialog.getByLabel('Hyperparameter 3 value').fill('4');
    expect(await dialog.getByRole('button', { name: 'Add tag' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    const confirm = dialog.getByRole('alertdialog', { name: 'Discard changes?' });
    await confirm.waitFor();
    await check('f02-discard-changes');
    await confirm.getByRole('button', { name: 'Keep editing' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await dialog.getByLabel('Training job name').inputValue()).toBe('zebra-train');
    expect(await dialog.getByLabel('Hyperparameter 3 value').inputValue()).toBe('4');
    // The close button asks too.
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    await confirm.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Create training job' }).click();
    expect(await dialog.getByLabel('Training job name').inputValue()).not.toBe('zebra-train');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, 60_000);

  it('finds datasets, flows, model groups and experiments with global search', async () => {
    const { t, page } = studio;
    await t.admin.CreateFlow({ FlowName: 'zebra-flow', Definition: { formatVersion: 1, nodes: [{ id: 'src', type: 'source', dataset: { name: 'zebra-people' } }] } } as never);
    await t.admin.CreateModelPackageGroup({ ModelPackageGroupName: 'zebra-group' });
    const { ExperimentId } = await t.admin.CreateMlflowExperiment({ Name: 'Zebra experiment' });
    await page.keyboard.press('/');
    const search = page.getByRole('dialog', { name: 'Search Loam' });
    await search.getByRole('combobox').fill('zebra');
    for (const name of ['zebra-people', 'zebra-flow', 'zebra-group', 'Zebra experiment']) await search.getByRole('option', { name: new RegExp(name) }).first().waitFor();
    await check('f03-search-kinds');
    await search.getByRole('option', { name: /Zebra experiment/ }).first().click();
    await page.waitForURL((u) => u.pathname === `/experiments/${ExperimentId}`);
    await page.getByRole('banner').getByRole('button', { name: /^Search by name/ }).click();
    await search.getByRole('combobox').fill('zebra-fl');
    await search.getByRole('option', { name: /zebra-flow/ }).first().click();
    await page.waitForURL((u) => u.pathname === '/flows/zebra-flow');
  }, 60_000);

  it('shows Home checklist steps as loading until checked, and links the registry step to the registry', async () => {
    // zebra-flow (the test before) exists but never ran: the data-flow step is not done yet.
    const { page } = studio;
    // Hold the checklist's list calls so the loading state can be seen.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route(
      (u) => /^\/api\/v1\/(datasets|flows|flow-runs|training-jobs|hyper-parameter-tuning-jobs|tuning-jobs|model-packages|endpoints|transform-jobs)$/.test(u.pathname),
      async (route) => {
        await held;
        await route.continue();
      },
    );
    await page.goto(new URL('/', page.url()).href);
    await heading('Welcome, admin').waitFor();
    const panel = page.getByRole('region', { name: 'Getting started' });
    const step = panel.getByRole('listitem').filter({ hasText: 'Import and profile a dataset' });
    await step.getByText('checking…').waitFor();
    expect(await panel.getByText('— to do').count()).toBe(0);
    release();
    await page.unrouteAll({ behavior: 'wait' });
    await step.getByText('— done').waitFor();
    await panel.getByText('— to do').first().waitFor();
    expect(await panel.getByText('checking…').count()).toBe(0);
    expect(await panel.getByRole('link', { name: 'Register and approve the best model' }).getAttribute('href')).toBe('/model-registry');
    await panel.getByRole('listitem').filter({ hasText: 'Prepare it with a data flow' }).getByText('— to do').waitFor();
    await check('f04-home-checklist');
  }, 60_000);

  it('keeps the header usable on a phone: one-line title, search as an icon', async () => {
    const { browser, context } = studio;
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'light', storageState: await context.storageState() });
    try {
      const page = await phone.newPage();
      await page.goto(new URL('/', studio.page.url()).href);
      await page.getByRole('heading', { level: 1, name: 'Welcome, admin' }).waitFor();
      const header = page.getByRole('banner');
      await screenshot(page, 'f05-phone-header');
      const title = header.getByText('Loam Studio', { exact: true });
      const box = await title.boundingBox();
      expect(box!.height).toBeLessThan(32); // one line of size lg
      // Nothing in the header reaches past the window's right edge.
      const right = await header.locator('button').evaluateAll((bs) => Math.max(...bs.filter((b) => b.getBoundingClientRect().width > 0).map((b) => b.getBoundingClientRect().right)));
      expect(right).toBeLessThanOrEqual(390 - 4);
      await header.getByRole('button', { name: 'Search by name' }).click();
      await page.getByRole('dialog', { name: 'Search Loam' }).getByRole('combobox').fill('zebra');
      await page.getByRole('dialog', { name: 'Search Loam' }).getByRole('option', { name: /zebra-people/ }).first().waitFor();
    } finally {
      await phone.close();
    }
  }, 60_000);

  itHadNoConsoleErrors(studio, 4);
});
