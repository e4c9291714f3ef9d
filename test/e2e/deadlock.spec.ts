import { expect, test } from '@playwright/test';
import { openFromLibrary, position, stepTo } from './helpers';

test.use({ viewport: { width: 1280, height: 720 } });

test('v11 release vs bind: the cycle forms edge by edge, the report links to graph and step', async ({ page }) => {
  await openFromLibrary(page, 'kvm_gmem_release vs kvm_gmem_bind (B-K1');
  await page.keyboard.press('L');
  const locks = page.getByRole('region', { name: 'Locks' });
  const graph = locks.getByRole('img', { name: /Lock dependency graph/ });
  await expect(locks).toContainText('lockdep reports at step 4');

  // Step 3 (the bind) creates slots_lock -> invalidate_lock; no cycle yet.
  await stepTo(page, 2);
  await expect(graph.locator('g.dep')).toHaveCount(0);
  await stepTo(page, 3);
  await expect(graph.locator('g.dep[data-step="3"]').first()).toBeVisible();
  await expect(graph.locator('g.dep.closing')).toHaveCount(0);
  await expect(graph.locator('g.dep.cycle')).toHaveCount(0);
  await expect(locks.getByRole('table', { name: /Held locks during step 3/ })).toContainText('&kvm->slots_lock');

  // Step 4 (close → release) closes the cycle: lockdep reports it.
  await stepTo(page, 4);
  await expect(graph.locator('g.dep.cycle')).toHaveCount(2);
  await expect(graph.locator('g.dep.closing')).toHaveCount(1);
  const report = locks.getByRole('region', { name: 'Lockdep report' });
  await expect(report).toContainText('WARNING: possible circular locking dependency detected');
  await expect(report).toContainText('*** DEADLOCK ***');
  await page.screenshot({ path: 'test-results/deadlock-step4.png' });

  // A class name in the report selects its node in the graph; the step link goes to the step.
  await report.getByRole('button', { name: '&kvm->slots_lock' }).first().click();
  await expect(graph.locator('g.lock-node.selected')).toHaveCount(1);
  await stepTo(page, 1);
  await locks.getByRole('button', { name: 'step 4' }).click();
  await expect(position(page)).toHaveText('step 4 / 4');

  // Fixed: release takes slots_lock first, no report, and the runs diverge at step 4.
  await page.getByRole('radio', { name: 'fixed' }).check();
  await expect(locks).toContainText('lockdep reports nothing for this run');
  await expect(page.getByRole('button', { name: 'runs diverge at step 4' })).toBeVisible();
});

test('v11 release vs bind on two CPUs: the interleaving reaches the deadlock', async ({ page }) => {
  await page.goto('/?scenario=lockdep-kvm-v11-release-vs-bind-2cpu&step=4');
  await expect(position(page)).toHaveText(/^step 4 \//);
  await page.getByRole('tab', { name: 'Locks' }).click();
  const two = page.getByRole('region', { name: 'Two CPUs' });
  await expect(two).toContainText('DEADLOCK');
  await expect(two).toContainText('waits for');
  await page.screenshot({ path: 'test-results/deadlock-2cpu.png' });
});
