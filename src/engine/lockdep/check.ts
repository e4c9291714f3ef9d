/**
 * The validator: lock events in, reports out, with lockdep's state carried from step to step
 * (the dependency graph lives as long as the kernel; held-lock stacks are per task).
 *
 * Per acquisition, in __lock_acquire()'s order:
 *  1. register the class, mark its usage (check=1 only);
 *  2. check_wait_context() (every non-trylock acquisition, check=0 included);
 *  3. if the (class, read) chain is new and the acquisition is a blocking check=1 one:
 *     check_deadlock() (same class held: "possible recursive locking" unless a recursive read
 *     under a read), then check_prevs_add(): from the top of the held stack down, an edge from
 *     each check=1 entry, stopping after the first non-trylock one; each edge is first checked
 *     for a strong cycle (check_noncircular);
 *  4. push the held lock (not for lock_sync()).
 * A release of a lock that is not on top re-acquires the ones above it (reacquire_held_locks),
 * which validates the new chains like the kernel does.
 */
import { classMeta, registerClass } from './classes'
import { calcDep, findStrongPath, pathOf } from './graph'
import { acquireTrace, circularText, entryFrames, LOCKDEP_FRAMES_CIRCULAR, primitiveFrame, recursiveText, waitContextText, type ChainEntry, type ReportTask } from './report'
import { taskWaitContext } from './classes'
import { TASK_PIDS } from './tasks'
import {
  ENABLED_HARDIRQ,
  ENABLED_HARDIRQ_READ,
  ENABLED_SOFTIRQ,
  ENABLED_SOFTIRQ_READ,
  type ClassState,
  type CycleEdge,
  type Edge,
  type HeldLock,
  type LockdepEvent,
  type LockdepOptions,
  type LockdepReport,
  type LockdepState,
  type ReadMode,
  type ResolvedOptions,
} from './types'

export const DEFAULT_IDENT = '6.5.0-rc2-gmemscope #1 Not tainted'

export function resolveOptions(opts: LockdepOptions = {}): ResolvedOptions {
  return {
    oneShot: opts.oneShot ?? true,
    trackFolioLock: opts.trackFolioLock ?? false,
    rawLockNesting: opts.rawLockNesting ?? true,
    ident: opts.ident ?? DEFAULT_IDENT,
    preRegistered: opts.preRegistered ?? { 'mapping.invalidate_lock': 3 },
    pids: opts.pids ?? {},
  }
}

/** A freshly booted kernel's lockdep. */
export function createLockdep(opts: LockdepOptions = {}): LockdepState {
  return { opts: resolveOptions(opts), debugLocks: true, classes: {}, nameVersions: {}, after: {}, held: {}, chains: {}, reportCount: 0 }
}

export function readMode(mode: LockdepEvent['mode']): ReadMode {
  return mode === 'write' ? 0 : mode === 'read' ? 1 : 2
}

/** The working copy of one observe call: containers are copied, entries are replaced. */
interface Work {
  opts: ResolvedOptions
  debugLocks: boolean
  classes: Record<string, ClassState>
  nameVersions: Record<string, number>
  after: Record<string, readonly Edge[]>
  held: Record<string, readonly HeldLock[]>
  chains: Record<string, true>
  reportCount: number
  reports: LockdepReport[]
  step: number
  op: string
}

interface Acq {
  readonly hl: HeldLock
  readonly kind: 'acquire' | 'sync'
  readonly task: string
  readonly cpu: number
  /** the trace saved with new edges (and printed as the current stack) */
  readonly trace: readonly string[]
}

function taskOf(w: Work, comm: string, cpu: number): ReportTask {
  return { comm, pid: w.opts.pids[comm] ?? TASK_PIDS[comm] ?? 1000, cpu }
}

function report(w: Work, r: Omit<LockdepReport, 'step' | 'op'>): void {
  w.reports.push({ ...r, step: w.step, op: w.op })
  w.reportCount++
  if (w.opts.oneShot) w.debugLocks = false
}

function markUsage(w: Work, id: string, read: ReadMode): void {
  const c = w.classes[id]!
  // process context, irqs enabled: HARDIRQ-ON and SOFTIRQ-ON, -R for read acquisitions
  const bits = read ? ENABLED_HARDIRQ_READ | ENABLED_SOFTIRQ_READ : ENABLED_HARDIRQ | ENABLED_SOFTIRQ
  if ((c.usage & bits) !== bits) w.classes[id] = { ...c, usage: c.usage | bits }
}

/** check_wait_context(): true when it reported. */
function checkWaitContext(w: Work, a: Acq, held: readonly HeldLock[]): boolean {
  const next = w.classes[a.hl.cls]!
  if (!next.waitInner || a.hl.trylock) return false
  const nextOuter = next.waitOuter || next.waitInner
  let currInner = taskWaitContext(w.opts)
  for (const h of held) {
    const inner = w.classes[h.cls]!.waitInner
    if (inner) currInner = Math.min(currInner, inner)
  }
  if (nextOuter <= currInner) return false
  const task = taskOf(w, a.task, a.cpu)
  report(w, {
    type: 'invalid-wait-context',
    task: task.comm,
    pid: task.pid,
    cpu: task.cpu,
    classes: [printed(w, a.hl.cls)],
    text: waitContextText(w, task, { cls: next, instance: a.hl.instance, fn: a.hl.fn }, held, a.trace),
    beyondLockdep: next.beyondLockdep || held.some((h) => w.classes[h.cls]!.beyondLockdep),
    cycle: [],
  })
  return true
}

function printed(w: Work, id: string): string {
  const c = w.classes[id]!
  return `${c.name}${c.version > 1 ? `#${c.version}` : ''}${c.subclass ? `/${c.subclass}` : ''}`
}

function recursiveReport(w: Work, a: Acq, prev: HeldLock, held: readonly HeldLock[]): void {
  const task = taskOf(w, a.task, a.cpu)
  const cls = w.classes[a.hl.cls]!
  report(w, {
    type: 'recursive',
    task: task.comm,
    pid: task.pid,
    cpu: task.cpu,
    classes: [printed(w, prev.cls), printed(w, a.hl.cls)],
    text: recursiveText(w, task, { cls, instance: a.hl.instance, fn: a.hl.fn }, { cls: w.classes[prev.cls]!, instance: prev.instance, fn: prev.fn }, held, a.trace),
    beyondLockdep: cls.beyondLockdep,
    cycle: [],
  })
}

/** check_prev_add(): false when it reported. */
function checkPrevAdd(w: Work, a: Acq, prev: HeldLock, held: readonly HeldLock[]): boolean {
  const next = a.hl
  const hit = findStrongPath(w.after, next.cls, next.read, prev.cls, prev.read)
  if (hit) {
    if (prev.cls === next.cls) {
      recursiveReport(w, a, prev, held)
      return false
    }
    const path = pathOf(hit) // SRC (next) ... TGT (prev)
    const chain: ChainEntry[] = path
      .map((e, k) => ({ cls: w.classes[e.cls]!, trace: k === 0 ? [...LOCKDEP_FRAMES_CIRCULAR, ...a.trace] : e.edge!.trace }))
      .reverse()
    const cycle: CycleEdge[] = [
      ...path.slice(1).map((e) => ({ from: e.edge!.from, to: e.edge!.to, closing: false })),
      { from: prev.cls, to: next.cls, closing: true },
    ]
    const task = taskOf(w, a.task, a.cpu)
    report(w, {
      type: 'circular',
      task: task.comm,
      pid: task.pid,
      cpu: task.cpu,
      classes: chain.map((c) => printed(w, c.cls.id)),
      text: circularText(
        w,
        task,
        { cls: w.classes[next.cls]!, instance: next.instance, fn: next.fn, read: next.read, sync: a.kind === 'sync' },
        { cls: w.classes[prev.cls]!, instance: prev.instance, fn: prev.fn, read: prev.read },
        chain,
        held,
        [...LOCKDEP_FRAMES_CIRCULAR, ...a.trace],
      ),
      beyondLockdep: chain.some((c) => c.cls.beyondLockdep),
      cycle,
    })
    return false
  }
  const dep = calcDep(prev.read, next.read)
  const list = w.after[prev.cls] ?? []
  const i = list.findIndex((e) => e.to === next.cls)
  if (i >= 0) {
    const e = list[i]!
    if ((e.dep & dep) !== dep) w.after[prev.cls] = list.map((x, j) => (j === i ? { ...x, dep: x.dep | dep } : x))
  } else {
    w.after[prev.cls] = [...list, { from: prev.cls, to: next.cls, dep, step: w.step, op: w.op, task: a.task, cpu: a.cpu, trace: a.trace }]
  }
  return true
}

/** __lock_acquire() for a tracked class. */
function acquire(w: Work, a: Acq, markUse = true): void {
  const key = a.task
  const held = w.held[key] ?? []
  const hl = a.hl
  if (hl.check && markUse) markUsage(w, hl.cls, hl.read)
  if (checkWaitContext(w, a, held)) {
    if (w.debugLocks) w.held[key] = [...held, hl]
    return
  }
  const chainKey = [...held, hl].map((h) => `${h.cls}:${h.read}`).join('|')
  let edgeOk = true
  if (!hl.trylock && hl.check && !w.chains[chainKey]) {
    w.chains[chainKey] = true
    let ret = 1
    for (const prev of held) {
      if (prev.cls !== hl.cls) continue
      if (hl.read === 2 && prev.read) continue
      recursiveReport(w, a, prev, held)
      ret = 0
      break
    }
    if (ret === 1 && held.length) {
      for (let i = held.length - 1; i >= 0; i--) {
        const prev = held[i]!
        if (!prev.check) continue
        if (!checkPrevAdd(w, a, prev, held)) {
          edgeOk = false
          break
        }
        if (!prev.trylock) break
      }
    }
    if (ret === 0) edgeOk = false
  }
  if (!edgeOk && !w.debugLocks) return
  if (a.kind !== 'sync') w.held[key] = [...held, hl]
}

function release(w: Work, e: LockdepEvent, id: string): void {
  const key = e.task
  const held = w.held[key] ?? []
  let i = held.length - 1
  while (i >= 0 && !(held[i]!.cls === id && held[i]!.instance === e.instance)) i--
  if (i < 0) return // bad unlock balance: the engine never does this
  const above = held.slice(i + 1)
  w.held[key] = held.slice(0, i)
  // reacquire_held_locks(): the locks above are acquired again, validating the new chains
  const trace = [primitiveFrame(e.cls, readMode(e.mode), false, 'release'), ...e.stack, ...entryFrames(w.op)]
  for (const h of above) {
    if (!w.debugLocks) return
    acquire(w, { hl: h, kind: 'acquire', task: e.task, cpu: e.cpu, trace }, false)
  }
}

export interface ObserveResult {
  readonly state: LockdepState
  readonly reports: readonly LockdepReport[]
}

/**
 * Feeds one step's lock events to lockdep. Pure: returns the new state and the reports this
 * step triggered (none once lockdep turned itself off).
 */
export function lockdepObserve(state: LockdepState, stepIndex: number, op: string, events: readonly LockdepEvent[]): ObserveResult {
  if (!state.debugLocks || events.length === 0) return { state, reports: [] }
  const w: Work = {
    opts: state.opts,
    debugLocks: state.debugLocks,
    classes: { ...state.classes },
    nameVersions: { ...state.nameVersions },
    after: { ...state.after },
    held: { ...state.held },
    chains: { ...state.chains },
    reportCount: state.reportCount,
    reports: [],
    step: stepIndex,
    op,
  }
  for (const e of events) {
    if (!w.debugLocks) break
    const meta = classMeta(e.cls)
    if (meta.beyondLockdep && !w.opts.trackFolioLock) continue
    const reg = registerClass(w, e.cls, e.subclass ?? 0)
    w.classes = reg.classes
    w.nameVersions = reg.nameVersions
    if (e.kind === 'release') {
      release(w, e, reg.id)
      continue
    }
    const read = e.kind === 'sync' ? 0 : readMode(e.mode)
    const kind = e.kind === 'sync' ? 'sync' : 'acquire'
    const hl: HeldLock = { cls: reg.id, instance: e.instance, read, trylock: e.trylock, check: meta.check, fn: e.fn, stack: e.stack }
    acquire(w, { hl, kind, task: e.task, cpu: e.cpu, trace: acquireTrace(e.cls, read, e.trylock, kind, e.stack, op) })
  }
  return {
    state: {
      opts: w.opts,
      debugLocks: w.debugLocks,
      classes: w.classes,
      nameVersions: w.nameVersions,
      after: w.after,
      held: w.held,
      chains: w.chains,
      reportCount: w.reportCount,
    },
    reports: w.reports,
  }
}
