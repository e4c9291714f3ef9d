import { expect, test, type Page } from '@playwright/test';
import { openFromLibrary, position, stepTo } from './helpers';

test.use({ viewport: { width: 1280, height: 720 } });

/** Every CSP violation, console error and uncaught exception of the page, from its first script on. */
async function watch(page: Page) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // an init script is added by the browser, not by the page: the CSP does not apply to it
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  const violations = () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  return { problems, violations };
}

test('the built app carries a CSP with no inline script and no eval, and the browser enforces it', async ({ page, request }) => {
  const html = await (await request.get('/')).text();
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  expect(meta, 'the built index.html has the CSP meta').not.toBeNull();
  const csp = meta![1]!.replace(/&#39;/g, "'");
  const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]));
  expect(directives.get('script-src')).toBe("'self'");
  expect(directives.get('object-src')).toBe("'none'");
  expect(directives.get('base-uri')).toBe("'none'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe-eval|\*|data:|https?:/);
  // the meta comes before every script and stylesheet, and every script is an external file
  expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
  expect([...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].every(([, attrs, body]) => /\bsrc=/.test(attrs!) && body!.trim() === '')).toBe(true);

  const { violations } = await watch(page);
  await page.goto('/');
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', csp);
  // Trusted Types: no string reaches an HTML or script sink (an inline handler, innerHTML);
  // no data: image; no style attribute from markup. (Code evaluated by the test tool itself is
  // exempt from the CSP, so eval() cannot be probed this way.)
  const tried = await page.evaluate(async () => {
    const out: string[] = [];
    const attempt = (what: string, f: () => void) => {
      try {
        f();
        out.push(`${what} ran`);
      } catch (e) {
        out.push(`${what}: ${(e as Error).name}`);
      }
    };
    attempt('onclick attribute', () => document.createElement('button').setAttribute('onclick', 'window.__ran = 1'));
    attempt('innerHTML', () => (document.createElement('div').innerHTML = '<b>x</b>'));
    const div = document.createElement('div');
    div.setAttribute('style', 'color: rgb(255, 0, 0)');
    document.body.append(div);
    out.push(`style attribute applied: ${getComputedStyle(div).color === 'rgb(255, 0, 0)'}`);
    div.remove();
    const img = new Image();
    const loaded = new Promise<boolean>((resolve) => {
      img.onload = () => resolve(true);
      img.onerror = () => resolve(false);
    });
    img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    out.push(`data: image loaded: ${await loaded}`);
    return out;
  });
  expect(tried).toEqual(['onclick attribute: TypeError', 'innerHTML: TypeError', 'style attribute applied: false', 'data: image loaded: false']);
  await expect.poll(async () => (await violations()).map((v) => v.split(' ')[0]).sort()).toEqual(['img-src', 'require-trusted-types-for', 'require-trusted-types-for', 'style-src-attr']);
});

test('clicking through a scenario, the lock panel, the operation palette and the exports: no CSP violation, no console error', async ({ page }) => {
  const { problems, violations } = await watch(page);
  await openFromLibrary(page, 'kvm_gmem_release vs kvm_gmem_bind (B-K1');
  await stepTo(page, 4);

  // the memory view: hover and click on the canvas, zoom with the wheel
  // (React's style props, e.g. the canvas height, are set through the CSSOM: style-src allows that)
  const canvas = page.locator('.memory-canvas canvas').first();
  await expect(canvas).toBeVisible();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 3, box.y + 20);
  await page.mouse.click(box.x + box.width / 3, box.y + 20);
  await page.mouse.wheel(0, -200);
  expect(await page.locator('.memory-canvas').evaluate((e) => (e as HTMLElement).style.height)).toMatch(/px$/);

  // the lock panel: graph, report, a splat paste
  await page.getByRole('tab', { name: 'Locks' }).click();
  const locks = page.getByRole('region', { name: 'Locks' });
  await expect(locks.getByRole('region', { name: 'Lockdep report' })).toContainText('possible circular locking dependency');
  await locks.getByRole('region', { name: 'Lockdep report' }).getByRole('button', { name: '&kvm->slots_lock' }).first().click();
  await locks.getByLabel(/Paste a kernel log/).fill('WARNING: possible circular locking dependency detected\n<script>alert(1)</script>');
  await locks.getByRole('button', { name: 'Parse splats' }).click();

  // the operation palette: append a step
  await page.goto('/?scenario=gunyah-lend-vs-share&step=17');
  await expect(position(page)).toHaveText('step 17 / 17');
  await page.getByRole('tab', { name: 'Operations' }).click();
  const form = page.getByRole('form', { name: 'Operation palette' });
  await form.getByLabel('Operation').selectOption('close');
  await form.getByLabel('fd', { exact: true }).fill('g0');
  await form.getByRole('button', { name: 'Append step' }).click();
  await expect(position(page)).toHaveText('step 18 / 18');
  await page.getByRole('tab', { name: 'Kernel log' }).click();

  // exports: JSON, SVG, PNG (an SVG drawn on a canvas through a blob: URL), test
  const menu = page.getByText('Share / export');
  for (const name of ['Export JSON', 'Export SVG', 'Export PNG', 'Export test']) {
    await menu.click();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    expect(dl.suggestedFilename()).toBeTruthy();
    await menu.click();
  }
  await menu.click();
  await page.getByRole('button', { name: 'Copy link' }).click();
  await menu.click();

  // dark mode, the key sheet, play
  await page.getByRole('button', { name: 'Dark mode' }).click();
  await page.getByRole('button', { name: 'Keys (?)' }).click();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Step back' }).click();

  expect(await violations()).toEqual([]);
  expect(problems).toEqual([]);
});
