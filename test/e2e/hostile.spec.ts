/**
 * Hostile links, files and splats through the UI (issue 8): each gives a message that says what
 * and where, the previous session stays (title and step list unchanged), and the page stays
 * responsive. Limits: docs/limits.md.
 */
import { expect, test, type Page } from '@playwright/test';
import LZString from 'lz-string';
import { lzBomb } from '../store/lzBomb';
import { position } from './helpers';

test.use({ viewport: { width: 1280, height: 720 } });

const TOUR = 'guest_memfd tour (KVM RFC v11)';
const head = { format: 'gmemscope/scenario@1', title: 'hostile', variant: 'kvm-v11' };
const createVm = { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm0' };
const gmem = (size: unknown) => ({ ...head, steps: [createVm, { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size, flags: [], as: 'g0' }] });
const pack = (value: unknown) => LZString.compressToEncodedURIComponent(typeof value === 'string' ? value : JSON.stringify(value));

/** The saved session: the tour at step 3. */
async function openTour(page: Page) {
  await page.goto('/?scenario=kvm-v11-tour&step=3');
  await expect(position(page)).toHaveText('step 3 / 15');
}

/** Opens a link, expects the message lines, and that the tour at step 3 is still there and works. */
async function refused(page: Page, fragment: string, ...lines: (string | RegExp)[]) {
  const t0 = Date.now();
  await page.goto(`/?step=1#s=${fragment}`);
  const alert = page.getByRole('alert', { name: 'Message' });
  await expect(alert).toContainText('the link (#s) could not be opened; showing the saved session instead');
  for (const line of lines) await expect(alert).toContainText(line);
  expect(Date.now() - t0).toBeLessThan(10_000);
  // the previous session stays: title, step list and position
  await expect(page.getByRole('heading', { level: 2, name: TOUR })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Steps' }).getByRole('button')).toHaveCount(16);
  await expect(position(page)).toHaveText('step 3 / 15');
  // and responsive
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(position(page)).toHaveText('step 4 / 15');
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(position(page)).toHaveText('step 3 / 15');
  await alert.getByRole('button', { name: 'Dismiss' }).click();
}

test('hostile links: each is refused with what and where, and the saved session stays', async ({ page }) => {
  test.setTimeout(90_000);
  await openTour(page);
  const steps = Array.from({ length: 100_000 }, () => ({ op: 'close', fd: 3 }));
  await refused(page, pack({ ...head, steps }), 'steps: 100000 steps is more than the limit of 50000');
  await refused(page, pack(gmem('18446744073709551616')), /steps\[1\]\.size: .*18446744073709551616/);
  await refused(page, pack(gmem(4096.5)), /steps\[1\]\.size: .*4096\.5/);
  await refused(page, pack(gmem(-4096)), /steps\[1\]\.size: .*-4096/);
  await refused(page, pack(`{"format":"gmemscope/scenario@1","title":"t","variant":"kvm-v11","steps":[],"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), /#s: nested deeper than 32 levels at character \d+/);
  await refused(page, pack({ ...head, extra: { a: 1 }, steps: [{ ...createVm, bogus: 2 }] }), 'extra: unknown field', /steps\[0\]\.bogus: unknown field/);
  await refused(page, pack('{"format":"gmemscope/scenario@1",'), '#s: not valid JSON');
  await refused(page, pack([1, 2, 3]), /expected/);
  // lz-string itself throws on this one: it used to leave a blank page
  await refused(page, 'z', '#s: the compressed scenario is damaged');
  // a few KiB that decompress to 18 million characters: stopped at the scenario text limit
  await refused(page, lzBomb(6000).packed, '#s: it decompresses to more than 16777216 characters (the scenario text limit)');
  await expect(page.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeVisible();
});

test('a size of 2^64 - 1 written as a string is exact and valid: the engine answers it as a step', async ({ page }) => {
  await page.goto(`/?step=2#s=${pack(gmem('18446744073709551615'))}`);
  await expect(page.getByRole('heading', { level: 2, name: 'hostile' })).toBeVisible();
  await expect(position(page)).toHaveText('step 2 / 2');
  const details = page.getByRole('region', { name: 'Step details' });
  await expect(details.getByRole('heading', { name: /^Step 2: KVM_CREATE_GUEST_MEMFD/ })).toBeVisible();
  await expect(details).toContainText(/18446744073709551615|0xffffffffffffffff/i);
  await expect(details.locator('.errno')).toHaveText(/^E[A-Z]+$/);
});

test('hostile files: too large, deeply nested, wrong types; the session stays', async ({ page }) => {
  await openTour(page);
  const input = page.locator('input[type=file]');
  const alert = page.getByRole('alert', { name: 'Message' });
  const importFile = async (name: string, text: string | Buffer) => {
    await page.getByText('Share / export').click();
    await input.setInputFiles({ name, mimeType: 'application/json', buffer: typeof text === 'string' ? Buffer.from(text) : text });
    await page.getByText('Share / export').click();
  };
  await importFile('big.json', Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
  await expect(alert).toContainText('big.json is too large; the current session is unchanged');
  await expect(alert).toContainText('(file): 16777217 bytes is more than the limit of 16777216');
  await importFile('deep.json', `${'['.repeat(5000)}${']'.repeat(5000)}`);
  await expect(alert).toContainText('deep.json is not a valid scenario');
  await expect(alert).toContainText('(file): nested deeper than 32 levels at character 32');
  await importFile('types.json', JSON.stringify({ ...head, title: 7, steps: 'none' }));
  await expect(alert).toContainText('types.json is not a valid scenario');
  await expect(alert).toContainText('title:');
  await expect(alert).toContainText('steps:');
  await expect(page.getByRole('heading', { level: 2, name: TOUR })).toBeVisible();
  await expect(position(page)).toHaveText('step 3 / 15');
});

test('splats: garbage, truncated and too large pastes say why nothing was parsed', async ({ page }) => {
  test.setTimeout(120_000);
  await openTour(page);
  await page.getByRole('tab', { name: 'Locks' }).click();
  const box = page.getByRole('region', { name: 'Imported splats' });
  // Typing (or Playwright's fill) tens of thousands of lines into any textarea takes Chromium
  // minutes, app or not: the text is set the way a paste lands, one input event.
  const parse = async (text: string) => {
    await box.getByLabel(/Paste a kernel log/).evaluate((el, value) => {
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(el, value);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
    const t0 = Date.now();
    await box.getByRole('button', { name: 'Parse splats' }).click();
    expect(Date.now() - t0).toBeLessThan(5000);
  };
  await parse('\u0000\u202e<img src=x onerror=alert(1)> garbage\n'.repeat(100));
  await expect(box.getByRole('status')).toContainText('No lockdep splat found in the pasted text');
  await parse('======================================================\nWARNING: possible circular locking dependency detected\n');
  await expect(box.getByRole('status')).toContainText('truncated');
  await parse('x'.repeat(1024 * 1024 + 1));
  await expect(box.getByRole('alert')).toHaveText('The paste was not parsed: 1048577 characters is more than the limit of 1048576.');
  await parse('x\n'.repeat(50_001));
  await expect(box.getByRole('alert')).toHaveText('The paste was not parsed: more than 50000 lines.');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Step' }).click();
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(position(page)).toHaveText('step 4 / 15');
});

test('localStorage that is full or unavailable: a message, and the app works', async ({ page, context }) => {
  await page.addInitScript(() => {
    Storage.prototype.setItem = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await openTour(page);
  const alert = page.getByRole('alert', { name: 'Message' });
  await expect(alert).toContainText('The session could not be saved (localStorage is full)');
  await expect(alert).toContainText('QuotaExceededError: The quota has been exceeded.');
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(position(page)).toHaveText('step 4 / 15');

  const blocked = await context.newPage();
  await blocked.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });
  await blocked.goto('/?scenario=kvm-v11-tour&step=2');
  await expect(blocked.getByRole('region', { name: 'Message' })).toContainText('localStorage is not available: the session is not saved in this browser');
  await expect(position(blocked)).toHaveText('step 2 / 15');
});
