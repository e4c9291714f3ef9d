import { expect, test, type Page } from '@playwright/test';

const TOUR_TITLE = 'guest_memfd tour (KVM RFC v11)';

async function pressTimes(page: Page, key: string, n: number) {
  for (let i = 0; i < n; i++) await page.keyboard.press(key);
}

/** Opens the app and waits until the timeline keys work (the first step is taken and undone). */
async function openApp(page: Page) {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Initial state' })).toBeVisible();
  await expect(async () => {
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('status')).toHaveText('step 1 / 15', { timeout: 200 });
  }).toPass();
  await page.keyboard.press('Home');
  await expect(page.getByRole('status')).toHaveText('step 0 / 15');
}

test.describe('app shell', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('home page shows the gmemscope heading and the default scenario', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('gmemscope');
    await expect(page.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: TOUR_TITLE })).toBeVisible();
    await expect(page.getByLabel('Scenario')).toHaveValue('kvm-v11-tour');
    await expect(page.getByRole('heading', { name: 'Initial state' })).toBeVisible();
  });

  test('steps through the tour with keys and buttons, showing errno and folios', async ({ page }) => {
    await openApp(page);
    const details = page.getByRole('region', { name: 'Step details' });
    const extents = page.getByRole('table', { name: 'Extents' });

    await pressTimes(page, 'ArrowRight', 6);
    await expect(details.getByRole('heading', { name: /^Step 6: fallocate/ })).toBeVisible();
    await expect(extents.getByRole('row').filter({ hasText: 'allocated' }).first()).toBeVisible();
    await expect(extents.locator('tr[data-state="lent"]')).toHaveCount(1);

    await page.getByRole('button', { name: 'Step forward' }).click();
    await expect(details.getByRole('heading', { name: /^Step 7: fallocate/ })).toBeVisible();
    await expect(details.locator('.errno')).toHaveText('EINVAL');
    await expect(details.getByRole('region', { name: 'Rule' })).toContainText('kvm_gmem_allocate');

    await page.keyboard.press('k');
    await expect(details.getByRole('heading', { name: /^Step 6:/ })).toBeVisible();

    // Walk to the end one step at a time.
    const forward = page.getByRole('button', { name: 'Step forward' });
    while (await forward.isEnabled()) await forward.click();
    await expect(page.getByRole('status')).toHaveText('step 15 / 15');
    await expect(details.getByRole('heading', { name: /^Step 15: close/ })).toBeVisible();
    await expect(extents).toContainText('evicted');

    await page.keyboard.press('Home');
    await expect(page.getByRole('status')).toHaveText('step 0 / 15');
    await page.keyboard.press('End');
    await expect(page.getByRole('status')).toHaveText('step 15 / 15');

    // Clicking a step in the list jumps there.
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: /^#11 / }).click();
    await expect(details.getByRole('heading', { name: /^Step 11:/ })).toBeVisible();
    await expect(details.locator('.errno')).toHaveText('EFAULT');
  });

  test('README screenshot at 1280×720', async ({ page }) => {
    await openApp(page);
    await pressTimes(page, 'ArrowRight', 10);
    await expect(page.getByRole('status')).toHaveText('step 10 / 15');
    await expect(page.locator('.memory-overlay')).toBeVisible();
    // The README's picture is refreshed only on request (UPDATE_SCREENSHOTS=1), so a test run
    // never dirties the tree; otherwise it goes with the other test output.
    const path = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshot.png' : 'test-results/screenshot-tour.png';
    await page.screenshot({ path });
  });
});
