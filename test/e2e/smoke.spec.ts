import { expect, test } from '@playwright/test';

test.describe('smoke', () => {
  test('home page shows the gmemscope heading', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('gmemscope');
    await expect(page.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeVisible();
  });
});
