import { describe, expect, it } from 'vitest';
import type { Request } from 'playwright-core';
import { itHadNoConsoleErrors, useStudio, waitForPage } from './browser.test-support.js';

// Search links Studio did not write, in Chromium against a real Loam: a nested filter the server refuses shows the
// server's words on the row (or list) it is about, not only in the page's alert; parts of a link Studio cannot read
// are named on the page instead of being left out silently.
describe('Search links in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    async prepare(t) {
      await t.admin.CreateTrialComponent({ TrialComponentName: 'prep-data', DisplayName: 'prepare-data' });
      await t.admin.CreateTrialComponent({ TrialComponentName: 'train-model' });
      // Two names that are one JavaScript number (12345678901234567000), for the search of big numbers.
      await t.admin.CreateTrialComponent({ TrialComponentName: 'seeded', DisplayName: '12345678901234567890' });
      await t.admin.CreateTrialComponent({ TrialComponentName: 'seeded-next', DisplayName: '12345678901234567891' });
    },
    expectFailures: ['400 POST /api/v1/search'],
  });
  const { check, heading } = studio;
  const field = (label: string) => studio.page.getByRole('search', { name: 'Search resources' }).getByLabel(label, { exact: true });
  const link = (params: Record<string, unknown>) =>
    `${studio.t.url}/search?${Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`).join('&')}`;
  /** The text of the elements a control's aria-describedby names. */
  const description = async (label: string) => {
    const ids = (await field(label).getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(ids.split(/\s+/).filter(Boolean).map((id) => studio.page.locator(`[id="${id}"]`).innerText()));
    return texts.join(' ');
  };

  it('shows the server’s refusal of a nested filter’s property on that nested filter’s row', async () => {
    const { page } = studio;
    await page.goto(link({ resource: 'ExperimentTrialComponent', nested: [{ p: 'Metrics', f: [{ n: 'Metrics.MetricName', o: 'Equals', v: 'accuracy' }, { n: 'Metrics.NoSuchThing', o: 'Exists' }] }] }));
    const alert = page.getByRole('alert').filter({ hasText: 'The server refused this search' });
    await alert.getByText('That is nested filter 1, filter 2, marked above.').waitFor();
    await expect.poll(() => field('Nested filter 1 property 2').getAttribute('aria-invalid')).toBe('true');
    // The row has the server's short form; the alert its whole message.
    expect(await description('Nested filter 1 property 2')).toBe('unknown property');
    await alert.getByText(/'NoSuchThing' is not a property of this resource's search records/).waitFor();
    expect(await field('Nested filter 1 property 1').getAttribute('aria-invalid')).not.toBe('true');
    expect(await field('Property 1').getAttribute('aria-invalid')).not.toBe('true');
    // Nothing is left over for the alert's list of messages that name no control.
    expect(await alert.getByRole('listitem').count()).toBe(0);
    await check('l01-nested-filter-refused');
  }, 120_000);

  it('shows the server’s refusal of a nested filter’s list on that list', async () => {
    const { page } = studio;
    // DisplayName is a property of a trial component, but not a list: its elements cannot be filtered.
    await page.goto(link({ resource: 'ExperimentTrialComponent', nested: [{ p: 'DisplayName', f: [{ n: 'DisplayName.Value', o: 'Exists' }] }] }));
    const list = 'Nested filter 1: every filter holds for one element of';
    await page.getByRole('alert').getByText('That is the list of nested filter 1, marked above.').waitFor();
    await expect.poll(() => field(list).getAttribute('aria-invalid')).toBe('true');
    expect(await description(list)).toBe('not a list');
    await page.getByRole('alert').getByText(/NestedPropertyName 'DisplayName' is not a list property/).waitFor();
    expect(await field('Nested filter 1 property 1').getAttribute('aria-invalid')).not.toBe('true');
  }, 120_000);

  it('names the parts of a link it cannot read, searches without them, and forgets them once searched again', async () => {
    const { page } = studio;
    await page.goto(
      link({
        resource: 'ExperimentTrialComponent',
        filters: [{ n: 'TrialComponentName', o: 'Like', v: 'prep' }, { n: 'DisplayName', o: 'Equals', v: 'prepare-data' }],
        nested: [{ f: [{ n: 'Metrics.Max', o: 'Exists' }] }],
        sortOrder: 'Upwards',
      }),
    );
    const notice = page.getByRole('status').filter({ hasText: 'Parts of this link were not searched for' });
    await notice.waitFor();
    const items = await notice.getByRole('listitem').allInnerTexts();
    expect(items).toEqual([
      expect.stringMatching(/^filter 1 on 'TrialComponentName': operator 'Like' is not one of Equals, /),
      'nested filter 1: it names no list property (p)',
      "sortOrder 'Upwards': only Ascending or Descending",
    ]);
    // The part that could be read is searched for, and is the form's one filter.
    const table = page.getByRole('table', { name: 'Trial components found' });
    await table.getByText('prep-data').first().waitFor();
    expect(await table.getByText('train-model').count()).toBe(0);
    expect(await field('Property 1').inputValue()).toBe('DisplayName');
    expect(await field('Property 2').count()).toBe(0);
    await check('l02-link-parts-ignored');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await waitForPage(page, `!new URL(location.href).searchParams.has('sortOrder')`);
    expect(await page.getByText('Parts of this link were not searched for').count()).toBe(0);
    await table.getByText('prep-data').first().waitFor();
  }, 120_000);

  it('names a resource it does not search, and a filter list that is not JSON', async () => {
    const { page } = studio;
    // (A `filters` that is not a list reached the form as it was, and the page failed: "Something went wrong!".)
    await page.goto(`${studio.t.url}/search?resource=Pipeline&filters=${encodeURIComponent('[{"n":"PipelineName"')}`);
    await heading('Search').waitFor();
    const notice = page.getByRole('status').filter({ hasText: 'Parts of this link were not searched for' });
    await notice.getByText("resource 'Pipeline': not a resource Search finds (searching training jobs instead)").waitFor();
    await notice.getByText(`filters: '[{"n":"PipelineName"' is not a list of filters`).waitFor();
    expect(await field('Resource').inputValue()).toBe('TrainingJob');
  }, 120_000);

  it('marks a link’s filter that has no value on its row instead of searching without it unsaid', async () => {
    const { page } = studio;
    await page.goto(link({ resource: 'ExperimentTrialComponent', filters: [{ n: 'DisplayName', o: 'Equals' }] }));
    await expect.poll(() => field('Value 1').getAttribute('aria-invalid')).toBe('true');
    expect(await description('Value 1')).toBe('Give a value for Equals.');
    expect(await field('Property 1').getAttribute('aria-invalid')).not.toBe('true');
  }, 120_000);

  it('shows the server’s refusal of a filter’s value on that value, not on its property, for filters and nested filters', async () => {
    const { page } = studio;
    await page.goto(link({ resource: 'ExperimentTrialComponent', filters: [{ n: 'CreationTime', o: 'GreaterThan', v: 'soon' }] }));
    const alert = page.getByRole('alert').filter({ hasText: 'The server refused this search' });
    await alert.getByText('That is filter 1, marked above.').waitFor();
    await expect.poll(() => field('Value 1').getAttribute('aria-invalid')).toBe('true');
    expect(await description('Value 1')).toBe('not an ISO 8601 date-time');
    expect(await field('Property 1').getAttribute('aria-invalid')).not.toBe('true');

    await page.goto(link({ resource: 'ExperimentTrialComponent', nested: [{ p: 'Metrics', f: [{ n: 'Metrics.MetricName', o: 'Equals', v: 'accuracy' }, { n: 'Metrics.Max', o: 'GreaterThan', v: 'high' }] }] }));
    await alert.getByText('That is nested filter 1, filter 2, marked above.').waitFor();
    await expect.poll(() => field('Nested filter 1 value 2').getAttribute('aria-invalid')).toBe('true');
    expect(await description('Nested filter 1 value 2')).toBe('not a number');
    expect(await field('Nested filter 1 property 2').getAttribute('aria-invalid')).not.toBe('true');
    expect(await field('Nested filter 1 value 1').getAttribute('aria-invalid')).not.toBe('true');
    await check('l03-filter-value-refused');
  }, 120_000);

  it('searches for a link’s unquoted 20-digit value exactly, and keeps a typed one exact through the URL', async () => {
    const { page } = studio;
    const sent: unknown[] = [];
    const onRequest = (r: Request) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/search') sent.push((r.postDataJSON() as { SearchExpression?: unknown }).SearchExpression);
    };
    page.on('request', onRequest);
    try {
      // Written by hand, without quotes: read as a JavaScript number it was 12345678901234567000.
      await page.goto(`${studio.t.url}/search?resource=ExperimentTrialComponent&filters=${encodeURIComponent('[{"n":"DisplayName","o":"Equals","v":12345678901234567890}]')}`);
      const exact = { Filters: [{ Name: 'DisplayName', Operator: 'Equals', Value: '12345678901234567890' }] };
      await expect.poll(() => sent.length, { timeout: 20_000 }).toBe(1);
      expect(sent).toEqual([exact]);
      const table = page.getByRole('table', { name: 'Trial components found' });
      await table.getByText('seeded').first().waitFor();
      expect(await field('Value 1').inputValue()).toBe('12345678901234567890');
      expect(await table.getByText('seeded-next').count()).toBe(0);
      // A value typed in the form goes into the URL quoted, with all its digits, and a reload searches for it again.
      await field('Value 1').fill('12345678901234567891');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await waitForPage(page, `new URL(location.href).searchParams.get('filters')?.includes('"v":"12345678901234567891"') === true`);
      await table.getByText('seeded-next').first().waitFor();
      await page.reload();
      await table.getByText('seeded-next').first().waitFor();
      expect(await field('Value 1').inputValue()).toBe('12345678901234567891');
      const next = { Filters: [{ Name: 'DisplayName', Operator: 'Equals', Value: '12345678901234567891' }] };
      expect(sent).toEqual([exact, next, next]);
      expect(await table.getByText('seeded', { exact: true }).count()).toBe(0);
    } finally {
      page.off('request', onRequest);
    }
  }, 120_000);

  itHadNoConsoleErrors(studio, 2);
});
