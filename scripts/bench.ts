/**
 * npm run bench [-- --json] [-- --quick]
 *
 * Prints how gmemscope scales: engine operations at 16 MiB, 1 GiB and 64 GiB beside a per-page
 * reference model, time travel in a 10,000-step session, rendering 1 Mi folios in headless
 * Chromium, and the gzipped size of the initial JS and CSS. --json prints the same figures as one
 * JSON object. --quick shortens every measurement (for a smoke run; figures are noisier).
 * See docs/performance.md. A benchmark prints figures; it never fails on them.
 */
// The app ships Immer's production build; the engine is measured with it too. It must be set
// before the engine (and Immer) load, hence the dynamic import.
process.env.NODE_ENV = 'production'
const { main } = await import('./bench_main')
await main(process.argv.slice(2))
