import { expect, test } from '@playwright/test';
import { position, stepTo } from './helpers';

test.use({ viewport: { width: 1280, height: 720 } });

test('the operation palette appends steps; a rejected op is a visible step; the custom link round-trips', async ({ page, browser }) => {
  await page.goto('/?scenario=gunyah-lend-vs-share&step=0');
  await expect(position(page)).toHaveText('step 0 / 17');
  await page.getByRole('tab', { name: 'Operations' }).click();
  const form = page.getByRole('form', { name: 'Operation palette' });
  await form.getByLabel('Operation').selectOption('GUNYAH_VM_MAP_MEM');
  await form.getByLabel('vm', { exact: true }).fill('vm0');
  await form.getByLabel('guest_addr').fill('0xb0000000');
  await form.getByRole('checkbox', { name: 'GUNYAH_MEM_FORCE_SHARE' }).check();
  await form.getByLabel('guest_mem_fd').fill('g0');
  await form.getByLabel('offset').fill('0');
  await form.getByLabel('size').fill('0x1000');
  await form.getByRole('button', { name: 'Append step' }).click();
  await expect(position(page)).toHaveText('step 18 / 18');
  await page.getByRole('tab', { name: 'Step' }).click();
  const details = page.getByRole('region', { name: 'Step details' });
  await expect(details.getByRole('heading', { name: /^Step 18: GUNYAH_VM_MAP_MEM/ })).toBeVisible();
  await expect(details.locator('.errno')).toHaveText(/E[A-Z]+/);
  await expect(page.getByLabel('Scenario')).toHaveValue('');

  // A missing name is refused by the validator, with the field's path; nothing is appended.
  await page.getByRole('tab', { name: 'Operations' }).click();
  await form.getByLabel('Operation').selectOption('close');
  await form.getByLabel('fd', { exact: true }).fill('nosuch');
  await form.getByRole('button', { name: 'Append step' }).click();
  await expect(form.getByRole('alert', { name: 'Step errors' })).toContainText('steps[18].fd: unknown name "nosuch"');
  await expect(position(page)).toHaveText('step 18 / 18');

  // The custom scenario travels compressed in the fragment.
  await expect(page).toHaveURL(/#s=/);
  const other = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const p2 = await other.newPage();
  await p2.goto(page.url().replace(/^https?:\/\/[^/]+/, ''));
  await expect(position(p2)).toHaveText('step 18 / 18');
  await other.close();
});

test('a corrupt saved session is reported and set aside, never a blank page', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.setItem('gmemscope.session', '{"v":1,"source":null,"scenario":{"format":"x"},"cursor":2}'));
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('the saved session');
  await expect(page.getByRole('alert')).toContainText('format: expected "gmemscope/scenario@1"');
  await expect(page.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('gmemscope.session.bad'))).toContain('"format":"x"');
});

test('a bad link says what and where; a malformed import leaves the session as it was', async ({ page }) => {
  await page.goto('/?scenario=kvm-v11-tour&step=3');
  await expect(position(page)).toHaveText('step 3 / 15');
  await page.goto('/?step=2#s=notlzstring');
  await expect(page.getByRole('alert')).toContainText('the link');
  await expect(position(page)).toHaveText('step 3 / 15');

  await page.getByText('Share / export').click();
  await page.locator('input[type=file]').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"gmemscope/scenario@1","title":"t","variant":"kvm-v11","steps":[{"op":"close"}]}') });
  await expect(page.getByRole('alert')).toContainText('bad.json is not a valid scenario');
  await expect(page.getByRole('alert')).toContainText('steps[0].fd: missing');
  await expect(position(page)).toHaveText('step 3 / 15');
  await stepTo(page, 4);
});

test('exports: scenario JSON, the view as SVG and PNG, the scenario as a vitest test', async ({ page }) => {
  await page.goto('/?scenario=gunyah-lend-vs-share&step=10');
  await expect(position(page)).toHaveText('step 10 / 17');
  const menu = page.getByText('Share / export');
  const save = async (name: string) => {
    await menu.click();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    const path = `test-results/export-${dl.suggestedFilename()}`;
    await dl.saveAs(path);
    await menu.click();
    return { name: dl.suggestedFilename(), text: (await import('node:fs')).readFileSync(path) };
  };
  const json = await save('Export JSON');
  expect(json.name).toBe('gunyah-lend-vs-share.json');
  expect(JSON.parse(json.text.toString()).variant).toBe('gunyah-v17');
  const svg = await save('Export SVG');
  expect(svg.text.toString()).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg.text.toString()).toContain('url(#fill-shared)');
  const png = await save('Export PNG');
  expect(png.text.subarray(1, 4).toString()).toBe('PNG');
  const spec = await save('Export test');
  expect(spec.name).toMatch(/\.test\.ts$/);
  expect(spec.text.toString()).toContain("import { runScenario, validateScenario } from '../src/engine/scenario'");
});
