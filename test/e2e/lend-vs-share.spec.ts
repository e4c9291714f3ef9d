import { expect, test } from '@playwright/test';
import { openFromLibrary, position, stepTo } from './helpers';

test.use({ viewport: { width: 1280, height: 720 } });

test('lend vs share: who can touch each page at each step, and the link round trip', async ({ page, browser }) => {
  await openFromLibrary(page, 'lend vs share');
  await expect(page.getByRole('heading', { level: 2, name: /lend vs share/ })).toBeVisible();
  const extents = page.getByRole('table', { name: 'Extents' });
  const row = (state: string) => extents.locator(`tr[data-state="${state}"]`);
  const details = page.getByRole('region', { name: 'Step details' });

  // The guest faults one page of each binding in: page 1 is lent (guest only), page 17 shared.
  await stepTo(page, 8);
  await expect(row('lent')).toHaveCount(1);
  await expect(row('lent')).toContainText('no access');
  await expect(row('lent')).toContainText('vm0');
  await expect(row('shared')).toHaveCount(1);
  await expect(row('shared')).toContainText('not mapped');
  await expect(page.getByLabel('Narration')).toContainText('file page 17 is shared');

  // The host maps and writes the shared page: both may touch it.
  await stepTo(page, 10);
  await expect(row('shared')).toContainText('mapped');
  await expect(row('shared')).toContainText('vm0');

  // mmap of the lent half takes page 1 back from the guest.
  await stepTo(page, 12);
  await expect(row('reclaimed')).toHaveCount(1);
  await expect(row('lent')).toHaveCount(0);

  // The guest faults again: the host mapping wins, a visible step with its errno and rule.
  await stepTo(page, 14);
  await expect(row('host-mapped')).toHaveCount(1);
  await expect(details.locator('.errno')).toHaveText('EPERM');
  await expect(details.getByRole('region', { name: 'Rule' })).toContainText('gunyah_vm_provide_folio');
  await page.screenshot({ path: 'test-results/lend-vs-share-step14.png' });

  // Hovering nothing, clicking the page in the table shows its fields and the step that changed it.
  await extents.getByRole('button', { name: /select g0 page 0x1$/ }).click();
  const sel = page.getByRole('region', { name: 'Selection' });
  await expect(sel).toContainText('host-mapped');
  await expect(sel).toContainText('Last changed by');

  // The URL holds the scenario and the step; another browser context opens the same step.
  await expect(page).toHaveURL(/[?&]scenario=gunyah-lend-vs-share/);
  await expect(page).toHaveURL(/[?&]step=14/);
  const other = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const p2 = await other.newPage();
  await p2.goto(page.url().replace(/^https?:\/\/[^/]+/, ''));
  await expect(position(p2)).toHaveText('step 14 / 17');
  await expect(p2.getByRole('region', { name: 'Step details' }).locator('.errno')).toHaveText('EPERM');
  await other.close();

  // A reload loses nothing (localStorage + URL).
  await page.reload();
  await expect(position(page)).toHaveText('step 14 / 17');
});
