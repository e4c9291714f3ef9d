/**
 * The browser side of npm run bench: the gzipped size of the app's initial JS and CSS, and the
 * render benchmark page (bench/render.html) built with Vite and run in headless Chromium.
 *
 * Builds go to node_modules/.cache/gmemscope-bench/ (never dist/).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import type { AppBenchResult } from '../bench/app'
import type { RenderResult } from '../bench/render'

export const ROOT = resolve(import.meta.dirname, '..')
export const CACHE = join(ROOT, 'node_modules/.cache/gmemscope-bench')

export interface SizeFigures {
  /** gzip -9 of every script and modulepreload of index.html */
  readonly jsGzip: number
  readonly cssGzip: number
  readonly jsRaw: number
  readonly cssRaw: number
  readonly initialFiles: readonly string[]
  /** every JS chunk of the build, gzipped (lazy ones included) */
  readonly allJsGzip: number
}

const gz = (b: Buffer) => gzipSync(b, { level: 9 }).length

/** Builds the app (the project's vite.config.ts) and sizes what index.html loads up front. */
export async function measureSize(): Promise<SizeFigures> {
  const outDir = join(CACHE, 'dist')
  await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true, reportCompressedSize: false } })
  const html = readFileSync(join(outDir, 'index.html'), 'utf8')
  const refs = new Set<string>()
  for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1]!)
  for (const m of html.matchAll(/<link[^>]*\brel="(?:stylesheet|modulepreload)"[^>]*\bhref="([^"]+)"/g)) refs.add(m[1]!)
  for (const m of html.matchAll(/<link[^>]*\bhref="([^"]+)"[^>]*\brel="(?:stylesheet|modulepreload)"/g)) refs.add(m[1]!)
  let jsGzip = 0
  let cssGzip = 0
  let jsRaw = 0
  let cssRaw = 0
  const initialFiles: string[] = []
  for (const ref of refs) {
    if (/^https?:/.test(ref)) continue
    const file = join(outDir, ref.replace(/^\//, ''))
    if (!existsSync(file)) continue
    const buf = readFileSync(file)
    initialFiles.push(ref)
    if (ref.endsWith('.css')) {
      cssGzip += gz(buf)
      cssRaw += buf.length
    } else {
      jsGzip += gz(buf)
      jsRaw += buf.length
    }
  }
  const { readdirSync } = await import('node:fs')
  const assets = join(outDir, 'assets')
  const allJsGzip = existsSync(assets)
    ? readdirSync(assets)
        .filter((f) => f.endsWith('.js'))
        .reduce((n, f) => n + gz(readFileSync(join(assets, f))), 0)
    : 0
  return { jsGzip, cssGzip, jsRaw, cssRaw, initialFiles, allJsGzip }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

/** A static file server on 127.0.0.1 (random port). */
function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^(\.\.[/\\])+/, '')
    const file = join(dir, path)
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file))
  })
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address()
      ok({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` })
    }),
  )
}

export interface RenderOptions {
  readonly pages: number
  readonly seconds: number
}

/** Builds bench/render.html, opens it in headless Chromium, and returns what the page measured. */
export async function measureRender(o: RenderOptions): Promise<RenderResult & { chromium: string }> {
  const outDir = join(CACHE, 'render')
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'error',
    base: './',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, rollupOptions: { input: join(ROOT, 'bench/render.html') } },
  })
  const { chromium } = await import('playwright-core')
  const { server, url } = await serve(outDir)
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 200 }, deviceScaleFactor: 1 })
    await page.goto(`${url}/bench/render.html?pages=${o.pages}&seconds=${o.seconds}`)
    await page.waitForFunction(() => window.__benchResult !== undefined || window.__benchError !== undefined, undefined, {
      timeout: 120_000 + o.seconds * 1000,
      polling: 250,
    })
    const err = await page.evaluate(() => window.__benchError)
    if (err) throw new Error(`render page: ${err}`)
    const result = (await page.evaluate(() => window.__benchResult))!
    return { ...result, chromium: browser.version() }
  } finally {
    await browser.close()
    server.close()
  }
}

/**
 * Builds bench/app.html (the real app on the 1 Mi-folio file, through the project's Vite config),
 * opens it in headless Chromium and returns what the page measured.
 */
export async function measureAppRender(o: RenderOptions): Promise<AppBenchResult & { chromium: string }> {
  const outDir = join(CACHE, 'app')
  await build({
    root: ROOT,
    logLevel: 'error',
    base: './',
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, rollupOptions: { input: join(ROOT, 'bench/app.html') } },
  })
  const { chromium } = await import('playwright-core')
  const { server, url } = await serve(outDir)
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 })
    await page.goto(`${url}/bench/app.html?pages=${o.pages}&seconds=${o.seconds}`)
    await page.waitForFunction(() => window.__appBenchResult !== undefined || window.__appBenchError !== undefined, undefined, {
      timeout: 180_000 + o.seconds * 1000,
      polling: 250,
    })
    const err = await page.evaluate(() => window.__appBenchError)
    if (err) throw new Error(`app page: ${err}`)
    const result = (await page.evaluate(() => window.__appBenchResult))!
    return { ...result, chromium: browser.version() }
  } finally {
    await browser.close()
    server.close()
  }
}
