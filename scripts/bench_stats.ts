/** Timing helpers for npm run bench: repeated runs, median / p95 / p99 / max, and formatting. */
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gcFn = runInNewContext('gc') as (() => void) | undefined

/** A full garbage collection, so one measurement's garbage is not collected during the next. */
export function collect(): void {
  gcFn?.()
}

export interface Stats {
  /** number of timed runs */
  readonly n: number
  readonly median: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b)
  return { n: s.length, median: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN }
}

export interface TimeOptions {
  /** stop after this many runs */
  readonly maxRuns: number
  /** at least this many runs, whatever the budget */
  readonly minRuns: number
  /** stop once this many milliseconds were spent (after minRuns) */
  readonly budgetMs: number
  /** untimed runs first (JIT warm-up) */
  readonly warmup?: number
}

/**
 * Times `fn` (milliseconds per call) over repeated runs. `setup` runs before each call, untimed,
 * and its value is passed to `fn`, so an operation can always start from the same input.
 */
export function timeRuns<S>(setup: () => S, fn: (input: S) => unknown, o: TimeOptions): number[] {
  const samples: number[] = []
  let sink: unknown
  for (let i = 0; i < (o.warmup ?? 0); i++) sink = fn(setup())
  const t0 = performance.now()
  while (samples.length < o.maxRuns && (samples.length < o.minRuns || performance.now() - t0 < o.budgetMs)) {
    const input = setup()
    const a = performance.now()
    sink = fn(input)
    samples.push(performance.now() - a)
  }
  keep(sink)
  return samples
}

let kept: unknown
/** Keeps a result alive so the call is not optimised away. */
export function keep(v: unknown): void {
  kept = v
}
export function lastKept(): unknown {
  return kept
}

/** Milliseconds, human-readable with a unit that fits (ns, µs, ms, s). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 0.01 ? 2 : ms < 0.1 ? 1 : 0)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '—'
  if (r >= 100) return `${Math.round(r).toLocaleString('en-US')}×`
  return `${r.toFixed(r >= 10 ? 1 : 2)}×`
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`
  return `${(n / 1024).toFixed(1)} KiB`
}

/** A left-aligned text table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd()
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n')
}

/** Small deterministic PRNG (mulberry32), so every run of the bench draws the same numbers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
