/**
 * Two CPUs: lock events of two tasks interleaved one event at a time, lock instances with
 * holders and waiters, and real deadlocks (a cycle of tasks waiting on lock instances).
 *
 * Model (docs/lockdep.md "Two CPUs"): engine operations are atomic reducers, so each
 * operation's lock-event sequence is taken from running the scenario sequentially, in file
 * order. A CPU's stream is the concatenation of its steps' events. An interleaving is a
 * schedule: entry k names the CPU that performs its next lock event. Instances block as the
 * kernel's primitives do: a writer waits for every holder; a non-recursive reader waits for a
 * writer holding it or queued on it (rwsem and queued-rwlock fairness); a recursive reader
 * waits only for a writer holding it. A trylock that could not succeed is not schedulable (the
 * engine's path assumed it succeeded). The folio lock counts: it is a real lock even though
 * lockdep cannot see it.
 */
import { runScenario } from '../scenario/run'
import { SCENARIO_FORMAT, type Scenario, type ScenarioStep } from '../scenario/types'
import { readMode } from './check'
import { CPU_TASKS } from './tasks'
import type { LockdepEvent, ReadMode } from './types'

export interface StreamEvent {
  readonly cpu: number
  /** the step (1-based) and op the event belongs to */
  readonly step: number
  readonly op: string
  readonly ev: LockdepEvent
}

/** What the interleaver needs of a step record (StepRecord fits). */
export interface RecordLike {
  readonly index: number
  readonly step: { readonly op: string; readonly cpu?: unknown }
  readonly result: { readonly locks: readonly LockdepEvent[] }
}

/** The two CPUs' event streams, in program order. */
export function cpuStreams(records: readonly RecordLike[]): StreamEvent[][] {
  const streams: StreamEvent[][] = [[], []]
  for (const rec of records) {
    const cpu = rec.step.cpu === 1 ? 1 : 0
    for (const ev of rec.result.locks) streams[cpu]!.push({ cpu, step: rec.index, op: rec.step.op, ev })
  }
  return streams
}

interface Holder {
  readonly cpu: number
  readonly read: ReadMode
}

export interface Machine {
  readonly streams: readonly (readonly StreamEvent[])[]
  readonly pos: readonly number[]
  /** the CPU is blocked on its next event (an acquire) */
  readonly waiting: readonly boolean[]
  /** holders by instance key (class + instance) */
  readonly holders: Readonly<Record<string, readonly Holder[]>>
}

export function instKey(ev: Pick<LockdepEvent, 'cls' | 'instance'>): string {
  return `${ev.cls} [${ev.instance}]`
}

export function startMachine(streams: readonly (readonly StreamEvent[])[]): Machine {
  return { streams, pos: streams.map(() => 0), waiting: streams.map(() => false), holders: {} }
}

function nextEvent(m: Machine, cpu: number): StreamEvent | undefined {
  return m.streams[cpu]![m.pos[cpu]!]
}

export function isDone(m: Machine, cpu: number): boolean {
  return m.pos[cpu]! >= m.streams[cpu]!.length
}

/** The CPUs an acquisition by `cpu` of `ev` would wait for (empty: it can proceed). */
export function blockers(m: Machine, cpu: number, ev: LockdepEvent): number[] {
  const key = instKey(ev)
  const holders = m.holders[key] ?? []
  const read = ev.kind === 'sync' ? 0 : readMode(ev.mode)
  const out = new Set<number>()
  for (const h of holders) {
    if (read === 0 || h.read === 0) out.add(h.cpu)
  }
  if (read === 1) {
    // a queued writer blocks new non-recursive readers
    m.streams.forEach((_, other) => {
      if (other === cpu || !m.waiting[other]) return
      const w = nextEvent(m, other)!.ev
      if (instKey(w) === key && (w.kind === 'sync' || w.mode === 'write')) out.add(other)
    })
  }
  return [...out]
}

export type Outcome = 'acquired' | 'released' | 'waits' | 'still-waits' | 'trylock-fails' | 'done'

/** CPU `cpu` performs (or tries) its next lock event. */
export function advance(m: Machine, cpu: number): { machine: Machine; outcome: Outcome; event?: StreamEvent; blockedBy: number[] } {
  const se = nextEvent(m, cpu)
  if (!se) return { machine: m, outcome: 'done', blockedBy: [] }
  const ev = se.ev
  const key = instKey(ev)
  const pos = [...m.pos]
  const waiting = [...m.waiting]
  if (ev.kind === 'release') {
    const hs = m.holders[key] ?? []
    const i = hs.findIndex((h) => h.cpu === cpu)
    const rest = i < 0 ? hs : hs.filter((_, j) => j !== i)
    pos[cpu]!++
    return { machine: { ...m, pos, holders: { ...m.holders, [key]: rest } }, outcome: 'released', event: se, blockedBy: [] }
  }
  const by = blockers(m, cpu, ev)
  if (by.length) {
    if (ev.trylock) return { machine: m, outcome: 'trylock-fails', event: se, blockedBy: by }
    const was = waiting[cpu]
    waiting[cpu] = true
    return { machine: { ...m, waiting }, outcome: was ? 'still-waits' : 'waits', event: se, blockedBy: by }
  }
  pos[cpu]!++
  waiting[cpu] = false
  const holders = ev.kind === 'sync' ? m.holders : { ...m.holders, [key]: [...(m.holders[key] ?? []), { cpu, read: readMode(ev.mode) }] }
  return { machine: { ...m, pos, waiting, holders }, outcome: 'acquired', event: se, blockedBy: [] }
}

export interface WaitInfo {
  readonly cpu: number
  readonly task: string
  /** the instance it waits for, e.g. `&kvm->slots_lock [vm1]` */
  readonly lock: string
  readonly mode: LockdepEvent['mode'] | 'sync'
  readonly step: number
  readonly op: string
  readonly fn: string
  /** the CPUs it waits for, and how they hold (or queue on) the lock */
  readonly heldBy: readonly { readonly cpu: number; readonly task: string; readonly how: string }[]
}

function taskName(cpu: number): string {
  const t = CPU_TASKS[cpu]
  return t ? `${t.task}/${t.pid}` : `cpu${cpu}`
}

/** Who waits for what right now. */
export function waitsFor(m: Machine): WaitInfo[] {
  const out: WaitInfo[] = []
  m.waiting.forEach((w, cpu) => {
    if (!w) return
    const se = nextEvent(m, cpu)!
    const key = instKey(se.ev)
    const heldBy = blockers(m, cpu, se.ev).map((b) => {
      const h = (m.holders[key] ?? []).find((x) => x.cpu === b)
      const how = h ? `holds it (${h.read === 0 ? 'write' : h.read === 1 ? 'read' : 'recursive read'})` : 'is queued on it as a writer'
      return { cpu: b, task: taskName(b), how }
    })
    out.push({ cpu, task: taskName(cpu), lock: key, mode: se.ev.kind === 'sync' ? 'sync' : se.ev.mode, step: se.step, op: se.op, fn: se.ev.fn, heldBy })
  })
  return out
}

/** A cycle of waiting CPUs (a real deadlock), or null. */
export function deadlockCycle(m: Machine): WaitInfo[] | null {
  const waits = waitsFor(m)
  const byCpu = new Map(waits.map((w) => [w.cpu, w]))
  for (const start of waits) {
    const seen: number[] = []
    let cur: number | undefined = start.cpu
    while (cur !== undefined && byCpu.has(cur) && !seen.includes(cur)) {
      seen.push(cur)
      // follow a blocker that is itself waiting (only waiting CPUs can close a cycle)
      const w: WaitInfo = byCpu.get(cur)!
      cur = w.heldBy.map((h) => h.cpu).find((c) => byCpu.has(c))
    }
    if (cur !== undefined && seen.includes(cur)) return seen.slice(seen.indexOf(cur)).map((c) => byCpu.get(c)!)
  }
  return null
}

export interface TraceEntry {
  readonly k: number
  readonly cpu: number
  readonly task: string
  readonly step: number
  readonly op: string
  readonly kind: LockdepEvent['kind']
  readonly lock: string
  readonly mode: LockdepEvent['mode']
  readonly fn: string
  readonly outcome: Outcome
  readonly blockedBy: readonly string[]
}

export interface Replay {
  readonly trace: readonly TraceEntry[]
  /** the waiting cycle when the schedule deadlocks */
  readonly deadlock: readonly WaitInfo[] | null
  /** both CPUs ran every event (the schedule ended, the rest was run to completion) */
  readonly completed: boolean
  /** schedule entries that named a CPU with nothing left to do */
  readonly ignored: number
}

/**
 * Replays a schedule over the streams. When the schedule ends without a deadlock, the CPUs run
 * to completion (CPU 0 first whenever it can proceed).
 */
export function replaySchedule(streams: readonly (readonly StreamEvent[])[], schedule: readonly number[]): Replay {
  let m = startMachine(streams)
  const trace: TraceEntry[] = []
  let ignored = 0
  const run = (cpu: number): void => {
    const r = advance(m, cpu)
    if (r.outcome === 'done' || !r.event) {
      ignored++
      return
    }
    m = r.machine
    const ev = r.event.ev
    trace.push({
      k: trace.length + 1,
      cpu,
      task: taskName(cpu),
      step: r.event.step,
      op: r.event.op,
      kind: ev.kind,
      lock: instKey(ev),
      mode: ev.mode,
      fn: ev.fn,
      outcome: r.outcome,
      blockedBy: r.blockedBy.map(taskName),
    })
  }
  for (const cpu of schedule) {
    run(cpu)
    const cycle = deadlockCycle(m)
    if (cycle) return { trace, deadlock: cycle, completed: false, ignored }
  }
  for (;;) {
    const can = m.streams
      .map((_, c) => c)
      .find((c) => {
        const se = nextEvent(m, c)
        return se !== undefined && (se.ev.kind === 'release' || blockers(m, c, se.ev).length === 0)
      })
    if (can === undefined) break
    run(can)
  }
  return { trace, deadlock: null, completed: m.streams.every((_, c) => isDone(m, c)), ignored }
}

/** Lines for the runner: the interleaving, then the verdict. */
export function formatReplay(r: Replay): string[] {
  const lines: string[] = []
  for (const t of r.trace) {
    const verb = t.kind === 'release' ? 'unlock' : t.kind === 'sync' ? 'sync  ' : t.mode === 'write' ? 'lock  ' : t.mode === 'read' ? 'rlock ' : 'rrlock'
    const what =
      t.outcome === 'waits' || t.outcome === 'still-waits' || t.outcome === 'trylock-fails'
        ? `${t.outcome.replace('-', ' ')} for ${t.blockedBy.join(', ')}`
        : t.outcome
    lines.push(`  [${t.k}] CPU${t.cpu} ${t.task.padEnd(15)} #${t.step} ${t.op}: ${verb} ${t.lock} in ${t.fn} -> ${what}`)
  }
  if (r.deadlock) {
    lines.push('  DEADLOCK: every task below waits for the next one:')
    for (const w of r.deadlock) {
      lines.push(`    ${w.task} (CPU${w.cpu}, #${w.step} ${w.op}, ${w.fn}) waits to ${w.mode === 'write' ? 'lock' : w.mode === 'sync' ? 'sync' : 'rlock'} ${w.lock}: ${w.heldBy.map((h) => `${h.task} ${h.how}`).join('; ')}`)
    }
  } else {
    lines.push(r.completed ? '  no deadlock: both CPUs ran to completion' : '  no deadlock, but a CPU cannot proceed (a trylock the engine assumed to succeed would fail here)')
  }
  return lines
}

export interface SearchInput {
  readonly variant: string
  readonly fixes?: boolean
  readonly title?: string
  /** steps run first, on CPU 0, before the two CPUs start */
  readonly setup: readonly ScenarioStep[]
  readonly cpu0: readonly ScenarioStep[]
  readonly cpu1: readonly ScenarioStep[]
}

export interface SearchBounds {
  /** how many orders of the two step lists to try (default 64) */
  readonly maxMerges?: number
  /** how many interleaving states to explore per order (default 100000) */
  readonly maxStates?: number
}

export interface SearchResult {
  readonly found: boolean
  /** the deadlocking run as a scenario (format v1, cpu fields, schedule) */
  readonly scenario: Scenario | null
  readonly replay: Replay | null
  readonly mergesTried: number
  readonly statesExplored: number
  /** true when no bound was hit: no interleaving of these step lists deadlocks in this model */
  readonly exhaustive: boolean
}

function* merges(a: number, b: number): Generator<number[]> {
  // every order of a CPU-0 steps and b CPU-1 steps that keeps each CPU's order
  if (a === 0 && b === 0) {
    yield []
    return
  }
  if (a > 0) for (const rest of merges(a - 1, b)) yield [0, ...rest]
  if (b > 0) for (const rest of merges(a, b - 1)) yield [1, ...rest]
}

interface Node {
  readonly m: Machine
  readonly path: readonly number[]
}

/** BFS over interleavings: the shortest schedule that deadlocks, or null. */
export function searchInterleavings(
  streams: readonly (readonly StreamEvent[])[],
  maxStates = 100_000,
): { schedule: number[] | null; explored: number; bounded: boolean } {
  const seen = new Set<string>()
  const start = startMachine(streams)
  const queue: Node[] = [{ m: start, path: [] }]
  let explored = 0
  for (let qi = 0; qi < queue.length; qi++) {
    const { m, path } = queue[qi]!
    const key = `${m.pos.join(',')}|${m.waiting.map(Number).join('')}`
    if (seen.has(key)) continue
    seen.add(key)
    if (++explored > maxStates) return { schedule: null, explored, bounded: true }
    for (let cpu = 0; cpu < streams.length; cpu++) {
      if (isDone(m, cpu)) continue
      const r = advance(m, cpu)
      if (r.outcome === 'still-waits' || r.outcome === 'trylock-fails') continue
      const next = [...path, cpu]
      if (deadlockCycle(r.machine)) return { schedule: next, explored, bounded: false }
      queue.push({ m: r.machine, path: next })
    }
  }
  return { schedule: null, explored, bounded: false }
}

/**
 * The bounded search: tries the orders of the two step lists (each order fixes which state
 * each operation sees, hence its lock events), and for each, every interleaving of the two
 * CPUs' lock events, breadth first. Returns the first deadlock as a scenario.
 */
export function findDeadlock(input: SearchInput, bounds: SearchBounds = {}): SearchResult {
  const maxMerges = bounds.maxMerges ?? 64
  const maxStates = bounds.maxStates ?? 100_000
  let tried = 0
  let explored = 0
  let bounded = false
  const setup = input.setup.map((s) => stripCpu(s))
  for (const order of merges(input.cpu0.length, input.cpu1.length)) {
    if (tried >= maxMerges) {
      bounded = true
      break
    }
    tried++
    const idx = [0, 0]
    const concurrent = order.map((cpu) => ({ ...(cpu === 0 ? input.cpu0 : input.cpu1)[idx[cpu]!++]!, cpu }))
    const scenario: Scenario = {
      format: SCENARIO_FORMAT,
      title: input.title ?? 'two-CPU interleaving',
      variant: input.variant,
      fixes: input.fixes ?? false,
      steps: [...setup, ...concurrent],
    }
    const run = runScenario(scenario)
    const setupEvents = run.records.slice(0, setup.length).reduce((n, r) => n + r.result.locks.length, 0)
    const streams = cpuStreams(run.records.slice(setup.length))
    const res = searchInterleavings(streams, maxStates)
    explored += res.explored
    bounded ||= res.bounded
    if (res.schedule) {
      const schedule = [...Array<number>(setupEvents).fill(0), ...res.schedule]
      const out = { ...scenario, schedule } as Scenario
      return { found: true, scenario: out, replay: replaySchedule(cpuStreams(run.records), schedule), mergesTried: tried, statesExplored: explored, exhaustive: false }
    }
  }
  return { found: false, scenario: null, replay: null, mergesTried: tried, statesExplored: explored, exhaustive: !bounded }
}

function stripCpu(s: ScenarioStep): ScenarioStep {
  const rest = { ...s }
  delete (rest as { cpu?: unknown }).cpu
  return rest
}

/** The schedule field of a scenario (format v1 addition, docs/lockdep.md). */
export function scheduleOf(s: Scenario): readonly number[] | null {
  const sch = (s as Scenario & { schedule?: readonly number[] }).schedule
  return Array.isArray(sch) ? sch : null
}
