/**
 * Engine operations at three guest sizes, beside the per-page reference model (bench_ref.ts).
 *
 * Each operation is timed from the same input state on every run (the engine is pure, the
 * reference model copies what it writes), so a run measures one call and nothing accumulates.
 */
import { performance } from 'node:perf_hooks'
import { runScenario, step, type ScenarioStep } from '../src/engine'
import { baseSteps, GPA_BASE, longScenario, PAGE, S, Session } from './bench_scenario'
import { refAttributes, refBind, refCreate, refFallocate, refFault, refPoison, refPunch, type RefOut, type RefState } from './bench_ref'
import { collect, keep, stats, timeRuns, type Stats } from './bench_stats'

export const SIZES = [
  { label: '16 MiB', pages: 4 * 1024 },
  { label: '1 GiB', pages: 256 * 1024 },
  { label: '64 GiB', pages: 16 * 1024 * 1024 },
] as const

export const OPS = ['create', 'bind', 'fallocate', 'punch', 'fault', 'poison', 'replay'] as const
export type OpName = (typeof OPS)[number]

export const REPLAY_STEPS = 10_000

export interface OpFigures {
  readonly engine: Stats
  readonly reference: Stats
  /** reference median / engine median */
  readonly ratio: number
  /** reference replay: steps actually timed (the rest is extrapolated linearly); null for other ops */
  readonly referenceStepsTimed: number | null
}

export interface SizeFigures {
  readonly label: string
  readonly pages: number
  readonly ops: Readonly<Record<OpName, OpFigures>>
}

export interface EngineOptions {
  /** time budget per measurement (ms); the bench scales runs to it */
  readonly budgetMs: number
  readonly log: (line: string) => void
}

/** The reference model's version of a scenario step. */
function refStep(s: RefState | null, st: ScenarioStep, pages: number): RefOut | null {
  const num = (v: unknown) => Number(v)
  switch (st.op) {
    case 'KVM_CREATE_VM':
      return s ? { state: s, errno: null } : null
    case 'KVM_CREATE_GUEST_MEMFD':
      return { state: refCreate(num(st.size) / PAGE), errno: null }
    case 'KVM_SET_USER_MEMORY_REGION2':
      return refBind(s!, 0, 0, num(st.memory_size) / PAGE)
    case 'KVM_SET_MEMORY_ATTRIBUTES':
      return refAttributes(s!, (num(st.address) - GPA_BASE) / PAGE, num(st.size) / PAGE, (st.attributes as string[]).length > 0)
    case 'fallocate':
      return (st.mode as string[]).includes('FALLOC_FL_PUNCH_HOLE')
        ? refPunch(s!, num(st.offset) / PAGE, num(st.len) / PAGE)
        : refFallocate(s!, num(st.offset) / PAGE, num(st.len) / PAGE)
    case 'guest_access':
      return refFault(s!, (num(st.gpa) - GPA_BASE) / PAGE)
    case 'memory_failure':
      return refPoison(s!, num(st.offset) / PAGE)
    default:
      throw new Error(`reference model: no ${st.op} (pages ${pages})`)
  }
}

function refRun(steps: readonly ScenarioStep[], pages: number, from: RefState | null = null): RefState | null {
  let s = from
  for (const st of steps) s = refStep(s, st, pages)?.state ?? s
  return s
}

export function measureEngine(o: EngineOptions): SizeFigures[] {
  const out: SizeFigures[] = []
  // warm the JIT on every op first, so the smallest size is not measured cold
  for (let i = 0; i < 2; i++) runScenario(longScenario(SIZES[0].pages, REPLAY_STEPS))
  for (const size of SIZES) {
    const { pages } = size
    const b = baseSteps(pages)
    const sessions = {
      vm: new Session().runAll(b.vm),
      gmem: new Session().runAll(b.gmem),
      bound: new Session().runAll(b.bound),
      allocated: new Session().runAll(b.allocated),
    }
    const refs = {
      vm: null,
      gmem: refRun(b.gmem, pages),
      bound: refRun(b.bound, pages),
      allocated: refRun(b.allocated, pages),
    }
    const single: Record<Exclude<OpName, 'replay'>, [keyof typeof sessions, ScenarioStep]> = {
      create: ['vm', S.createGmem(pages)],
      bind: ['gmem', S.bind(pages)],
      fallocate: ['bound', S.fallocate(0, pages)],
      punch: ['allocated', S.punch(0, pages / 2)],
      fault: ['allocated', S.fault(pages / 2 + 3)],
      poison: ['allocated', S.poison(pages / 2 + 5)],
    }
    const ops = {} as Record<OpName, OpFigures>
    const entries = Object.entries(single) as [Exclude<OpName, 'replay'>, [keyof typeof sessions, ScenarioStep]][]
    // every engine op of the size first, then the reference model's (its big allocations would
    // otherwise be collected in the middle of the engine's runs)
    const engineStats = new Map<string, Stats>()
    for (const [name, [base, st]] of entries) {
      const sess = sessions[base]
      const action = sess.lower(st)
      const first = step(sess.state, action)
      if (first.result.errno) throw new Error(`bench: ${name} at ${size.label} failed: ${first.result.errno}`)
      collect()
      engineStats.set(name, stats(timeRuns(() => sess.state, (x) => step(x, action), { maxRuns: 3000, minRuns: 30, budgetMs: o.budgetMs, warmup: 10 })))
    }
    for (const [name, [base, st]] of entries) {
      const refBase = refs[base]
      const refCheck = refStep(refBase, st, pages)
      if (refCheck?.errno) throw new Error(`bench: reference ${name} at ${size.label} failed: ${refCheck.errno}`)
      collect()
      const reference = stats(
        timeRuns(() => refBase, (x) => refStep(x, st, pages), { maxRuns: 500, minRuns: 5, budgetMs: o.budgetMs, warmup: pages > 1e6 ? 1 : 5 }),
      )
      const engine = engineStats.get(name)!
      ops[name] = { engine, reference, ratio: reference.median / engine.median, referenceStepsTimed: null }
    }
    // replay: the whole scenario from a fresh kernel, as the app does on load
    const scenario = longScenario(pages, REPLAY_STEPS)
    collect()
    const engine = stats(timeRuns(() => scenario, (sc) => runScenario(sc), { maxRuns: 20, minRuns: 3, budgetMs: o.budgetMs * 4, warmup: 1 }))
    collect()
    const { samples, timed } = refReplay(scenario.steps, pages, o.budgetMs * 4)
    const reference = stats(samples)
    ops.replay = { engine, reference, ratio: reference.median / engine.median, referenceStepsTimed: timed }
    out.push({ label: size.label, pages, ops })
    o.log(`engine: ${size.label} done`)
  }
  return out
}

/**
 * Replays the scenario in the reference model. When the whole replay would not fit the budget,
 * the setup steps are timed in full, then whole rotations of the eight-op loop until the budget
 * is spent, and the rest is extrapolated linearly from the rotations' cost per step.
 */
function refReplay(steps: readonly ScenarioStep[], pages: number, budgetMs: number): { samples: number[]; timed: number } {
  const SETUP = 4
  const samples: number[] = []
  let timed = steps.length
  const t0 = performance.now()
  while (samples.length < 3 && (samples.length === 0 || performance.now() - t0 < budgetMs)) {
    let s: RefState | null = null
    const a = performance.now()
    for (let i = 0; i < SETUP; i++) s = refStep(s, steps[i]!, pages)?.state ?? s
    const b = performance.now()
    let i = SETUP
    for (; i < steps.length; i++) {
      s = refStep(s, steps[i]!, pages)?.state ?? s
      if ((i - SETUP) % 8 === 7 && i - SETUP >= 15 && performance.now() - b > budgetMs) {
        i++
        break
      }
    }
    const c = performance.now()
    keep(s)
    timed = Math.min(timed, i)
    samples.push(b - a + ((c - b) * (steps.length - SETUP)) / (i - SETUP))
  }
  return { samples, timed }
}
