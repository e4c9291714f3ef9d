import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

// A real report pasted into the lock panel is drawn as a graph beside its chain and text.
test('an imported splat is drawn as a graph beside its text', async ({ page }) => {
  const splat = readFileSync('test/fixtures/splats/03-kvm-gmem-invalidate-lock-slots-lock-abridged.txt', 'utf8');
  await page.goto('/?scenario=lockdep-kvm-v11-release-vs-bind&step=4');
  await page.getByRole('tab', { name: 'Locks' }).click();
  const box = page.getByRole('region', { name: 'Imported splats' });
  await box.getByLabel(/Paste a kernel log/).fill(splat);
  await box.getByRole('button', { name: 'Parse splats' }).click();
  const graph = box.getByRole('img', { name: /Imported circular report: 2 classes, 2 dependencies, cycle/ });
  await expect(graph).toBeVisible();
  await expect(graph.locator('.lock-node')).toHaveText([/&kvm->slots_lock|mapping\.invalidate_lock#4/, /&kvm->slots_lock|mapping\.invalidate_lock#4/]);
  await expect(graph.locator('.dep.closing')).toHaveCount(1);
  await box.getByText('Report text').click();
  await expect(box.locator('pre')).toContainText('Possible unsafe locking scenario');
  await page.screenshot({ path: 'test-results/splat-import.png' });
});
