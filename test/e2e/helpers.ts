import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

export async function pressTimes(page: Page, key: string, n: number) {
  for (let i = 0; i < n; i++) await page.keyboard.press(key);
}

/** The step position text ("step 3 / 17"). */
export function position(page: Page) {
  return page.locator('.step-controls .position');
}

/** Opens a built-in scenario from the library picker, as a newcomer would, and waits for step 0. */
export async function openFromLibrary(page: Page, title: RegExp | string) {
  await page.goto('/');
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  const option = picker.locator('option').filter({ hasText: title });
  const value = await option.first().getAttribute('value');
  await picker.selectOption(value!);
  await expect(position(page)).toHaveText(/^step 0 \//);
  // let the window key handler attach before pressing keys
  await page.locator('h1').click();
}

/** Steps with the keyboard until the position reads `step n`. */
export async function stepTo(page: Page, n: number) {
  const text = (await position(page).textContent()) ?? '';
  const at = Number(/step (\d+)/.exec(text)?.[1] ?? 0);
  await pressTimes(page, n >= at ? 'ArrowRight' : 'ArrowLeft', Math.abs(n - at));
  await expect(position(page)).toHaveText(new RegExp(`^step ${n} /`));
}

/** Runs axe-core in the page; returns the serious and critical violations. */
export async function axeSerious(page: Page) {
  // evaluated rather than added as a <script>: the built app's CSP refuses inline scripts
  await page.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
}
