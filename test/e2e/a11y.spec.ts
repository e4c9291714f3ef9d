import { expect, test } from '@playwright/test';
import { axeSerious, position } from './helpers';

test.use({ viewport: { width: 1280, height: 720 } });

for (const [name, url, tab] of [
  ['tour at step 6', '/?scenario=kvm-v11-tour&step=6', 'Step'],
  ['lend vs share at step 10', '/?scenario=gunyah-lend-vs-share&step=10', 'Step'],
  ['deadlock with the lock panel', '/?scenario=lockdep-kvm-v11-release-vs-bind&step=4', 'Locks'],
  ['operation palette', '/?scenario=gunyah-lend-vs-share&step=2', 'Operations'],
] as const) {
  test(`axe finds no serious or critical violation: ${name}`, async ({ page }) => {
    await page.goto(url);
    await expect(position(page)).toHaveText(/^step \d+ \//);
    await page.getByRole('tab', { name: tab }).click();
    expect(await axeSerious(page)).toEqual([]);
  });
}

test('axe in dark mode, with the key sheet open', async ({ page }) => {
  await page.goto('/?scenario=gunyah-lend-vs-share&step=10');
  await expect(position(page)).toHaveText('step 10 / 17');
  await page.locator('h1').click();
  await page.keyboard.press('t');
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.screenshot({ path: 'test-results/dark-help.png' });
  expect(await axeSerious(page)).toEqual([]);
});
