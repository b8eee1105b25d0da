import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, useStudio, waitForPage } from './browser.test-support.js';

// One user journey through a real Loam and Debian's Chromium: sign in with the link `loam up` printed,
// visit every page, create things through generated forms, hit validation errors, sign out.
// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Loam Studio in Chromium', { retry: 0 }, () => {
  // Signing in is part of the journey, so this test does it itself.
  const studio = useStudio({ viewport: { width: 1280, height: 800 }, actionTimeout: 15_000, signIn: false });
  const { check, heading, nav } = studio;

  it('shows a landing page that explains how to sign in when signed out', async () => {
    const { t, page, watch } = studio;
    watch.expect('401 GET /auth/session');
    await page.goto(t.url);
    await heading('Loam Studio').waitFor();
    await page.getByText('npx loam login-link').first().waitFor();
    await check('01-signed-out');
  });

  it('signs in with the one-time link and lands on Home', async () => {
    const { t, context, page } = studio;
    await page.goto(t.loginUrl);
    await page.getByRole('button', { name: 'Sign in as admin' }).click();
    await heading('Welcome, admin').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'loam_session')?.httpOnly).toBe(true);
    await page.locator('.recharts-surface').first().waitFor({ timeout: 20_000 });
    await page.getByRole('log', { name: 'API calls made by this Studio tab' }).getByText('ListUsers 200').first().waitFor();
    await check('02-home');
  });

  it('lists users from the schema-driven list and refuses bad input in the generated form', async () => {
    const { t, page, watch } = studio;
    await nav('Users & access keys').click();
    await heading('Users & access keys').waitFor();
    await page.getByRole('table', { name: 'Users' }).getByRole('link', { name: 'admin' }).waitFor();
    await check('03-users');

    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create user' });
    const name = dialog.getByLabel('User name');
    await name.fill('ana maria!');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.getByText('“ ” (space) and “!” are not allowed here. Use letters, digits and _ + = , . @ - only.').waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await check('04-create-user-validation');

    // The server's answer (the name is taken) lands on the same field, with what to do.
    watch.expect('409 POST /api/v1/users');
    await name.fill('admin');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.getByText("User 'admin' already exists").waitFor();
    await dialog.getByText('Choose another name').first().waitFor();

    await name.fill('ana');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByLabel('Tag 1 key').fill('team');
    await dialog.getByLabel('Tag 1 value').fill('forecasting');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await heading('ana').waitFor();
    expect(new URL(page.url()).pathname).toBe('/users/ana');
    const { User } = await t.admin.GetUser({ UserName: 'ana' });
    const tags = await t.admin.ListTags({ ResourceArn: User.Arn });
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'forecasting' }]);
  });

  it('creates an access key through the generated form and shows the secret once', async () => {
    const { t, page } = studio;
    const keys = page.getByRole('region', { name: 'Access keys' });
    await keys.getByText('No access keys').waitFor();
    await keys.getByRole('button', { name: 'Create access key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New access key for ana' });
    await dialog.getByText('User name:').waitFor();
    await dialog.getByRole('button', { name: 'Create access key' }).click();
    await dialog.getByText('Copy this now').waitFor();
    const id = (await dialog.getByTestId('once-Access key ID').textContent())!.trim();
    const secret = (await dialog.getByTestId('once-Secret access key').textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(20);
    expect(secret).not.toBe(id);
    await check('05-access-key-secret-once');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await keys.getByRole('cell', { name: id, exact: true }).waitFor();
    await keys.getByText('Active', { exact: true }).waitFor();
    const listed = await t.admin.ListAccessKeys({ UserName: 'ana' });
    expect(listed.AccessKeyMetadata.map((k) => [k.AccessKeyId, k.Status])).toEqual([[id, 'Active']]);
    expect(JSON.stringify(listed)).not.toContain(secret);

    // Live status: a change made elsewhere shows up without a reload, and in the notifications.
    await t.admin.UpdateAccessKey({ UserName: 'ana', AccessKeyId: id, Status: 'Inactive' });
    await keys.getByText('Inactive', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByText(`is now Inactive`).first().waitFor();
  });

  it('validates an API token form field and attaches a policy', async () => {
    const { t, page } = studio;
    const tokens = page.getByRole('region', { name: 'API tokens' });
    await tokens.getByRole('button', { name: 'Create API token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API token for ana' });
    await dialog.getByLabel('Token name').fill('ci');
    await dialog.getByLabel('Expires in days').fill('0');
    await dialog.getByRole('button', { name: 'Create API token' }).click();
    await dialog.getByText('Enter a number from 1 to 3650.').waitFor();
    await dialog.getByLabel('Expires in days').fill('30');
    await dialog.getByRole('button', { name: 'Create API token' }).click();
    await dialog.getByText('Copy this now').waitFor();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await tokens.getByRole('cell', { name: 'ci', exact: true }).waitFor();

    const policies = page.getByRole('region', { name: 'Policies' });
    const pick = policies.getByLabel('Policy to attach');
    await pick.fill('ReadOnly');
    await page.getByRole('option', { name: 'ReadOnlyAccess' }).waitFor();
    await pick.press('ArrowDown');
    await pick.press('Enter');
    await expect.poll(() => pick.inputValue()).toBe('ReadOnlyAccess');
    await policies.getByRole('button', { name: 'Attach' }).click();
    await policies.getByRole('link', { name: 'ReadOnlyAccess' }).waitFor();
    expect((await t.admin.ListAttachedUserPolicies({ UserName: 'ana' })).AttachedPolicies.map((p) => p.PolicyName)).toEqual(['ReadOnlyAccess']);
    await page.getByRole('region', { name: 'Tags' }).getByRole('cell', { name: 'forecasting' }).waitFor();
    await check('06-user-detail');
  });

  it('deletes only after confirming', async () => {
    const { t, page } = studio;
    const keys = page.getByRole('region', { name: 'Access keys' });
    const id = (await t.admin.ListAccessKeys({ UserName: 'ana' })).AccessKeyMetadata[0]!.AccessKeyId;
    await keys.getByRole('button', { name: `Delete access key ${id}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete access key?' });
    await dialog.getByText(`Requests signed with ${id} will fail from now on.`).waitFor();
    await check('07-confirm-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await t.admin.ListAccessKeys({ UserName: 'ana' })).AccessKeyMetadata).toHaveLength(1);
    await keys.getByRole('button', { name: `Delete access key ${id}` }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await keys.getByText('No access keys').waitFor();
    expect((await t.admin.ListAccessKeys({ UserName: 'ana' })).AccessKeyMetadata).toHaveLength(0);
  });

  it('shows policies and a policy document', async () => {
    const { page } = studio;
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await heading('Policies').waitFor();
    await page.getByRole('table', { name: 'Policies' }).getByRole('link', { name: 'AdministratorAccess' }).waitFor();
    await check('08-policies');
    await page.getByRole('link', { name: 'ReadOnlyAccess' }).click();
    await heading('ReadOnlyAccess').waitFor();
    await page.getByText('Built-in policies cannot be changed or deleted.').waitFor();
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Policies' }).waitFor();
    await check('09-policy-detail');
  });

  it('finds a user with global search from the keyboard', async () => {
    const { page } = studio;
    await page.keyboard.press('/');
    const dialog = page.getByRole('dialog', { name: 'Search Loam' });
    await dialog.getByRole('combobox').fill('ana');
    await dialog.getByRole('option', { name: /ana/ }).first().waitFor();
    await check('10-search');
    await page.keyboard.press('Enter');
    await heading('ana').waitFor();
  });

  it('manages tags on any resource by ARN', async () => {
    const { t, page, watch } = studio;
    await nav('Tags').click();
    await heading('Tags').waitFor();
    const arn = page.getByLabel('…or any resource ARN');
    await arn.fill('not an arn');
    await page.getByRole('button', { name: 'Show tags' }).click();
    await page.getByText('Enter an ARN such as').waitFor();
    const { User } = await t.admin.GetUser({ UserName: 'ana' });
    await arn.fill(User.Arn);
    await page.getByRole('button', { name: 'Show tags' }).click();
    await page.getByRole('cell', { name: 'forecasting' }).waitFor();

    // Tag characters are checked by the server only; its problem+json path lands on the field.
    watch.expect('400 POST /api/v1/tags');
    await page.getByRole('button', { name: 'Add tags' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add tags to ana' });
    await dialog.getByLabel('Tag 1 key').fill('a#b');
    await dialog.getByLabel('Tag 1 value').fill('x');
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await dialog.getByText("Tag 1 key: Value 'a#b' must be 1 to 128 letters").waitFor();
    await dialog.getByText('Correct the highlighted fields and submit again.').waitFor();
    await check('11-tags-server-validation');
    await dialog.getByLabel('Tag 1 key').fill('stage');
    await dialog.getByLabel('Tag 1 value').fill('dev');
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await page.getByRole('cell', { name: 'dev', exact: true }).waitFor();
    expect((await t.admin.ListTags({ ResourceArn: User.Arn })).Tags).toEqual(expect.arrayContaining([{ Key: 'stage', Value: 'dev' }]));
    await check('11-tags');
  });

  it('shows Settings, the dark theme, and pages still to come', async () => {
    const { page } = studio;
    await nav('Settings').click();
    await heading('Settings').waitFor();
    await page.getByText('Effective configuration (secrets redacted)').first().waitFor();
    await page.getByText('bodyLimitBytes').first().waitFor();
    await check('12-settings');
    await page.getByRole('button', { name: 'Use dark theme' }).click();
    await waitForPage(page, 'document.documentElement.getAttribute("data-mantine-color-scheme") === "dark"');
    await check('13-settings-dark');
    await page.getByText('Light', { exact: true }).click();
    await waitForPage(page, 'document.documentElement.getAttribute("data-mantine-color-scheme") === "light"');

    await nav('Model monitor & Clarify').click();
    await heading('Model monitor & Clarify').waitFor();
    await page.getByText('Coming with Analytics for Clarify and Model Monitor.').waitFor();
    await check('14-coming-soon');
  });

  it('fits a small laptop screen', async () => {
    const { page } = studio;
    await page.setViewportSize({ width: 1024, height: 640 });
    await nav('Users & access keys').click();
    await heading('Users & access keys').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    await check('15-users-1024');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out', async () => {
    const { t, context, page, watch } = studio;
    await page.getByRole('button', { name: 'Account: admin' }).click();
    watch.expect('401 GET /auth/session');
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByText('You have signed out').waitFor();
    const status = await page.evaluate('fetch("/auth/session").then((r) => r.status)');
    expect(status).toBe(401);
    const res = await fetch(`${t.url}/api/v1/users`, { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    expect(res.status).toBe(401);
    await check('16-signed-out-again');
  });

  itHadNoConsoleErrors(studio, 17);

  it('is served by loam up at / and at deep links', () => {
    expect(studio.t.servedByStartLoam, 'start.ts must call registerStudioRoutes(app, { distDir }) so `loam up` serves Studio').toBe(true);
  });
});
