/** Held locks per task, replayed from a run's lock events (acquire pushes, release pops). */
import type { LockEvent, LogLevel, StepResult } from '../result'

export interface HeldEntry {
  readonly cls: string
  readonly instance: string
  readonly mode: LockEvent['mode']
  readonly fn: string
  /** the step that took it */
  readonly step: number
}

export interface RecordLike {
  readonly index: number
  readonly step: { readonly op: string }
  readonly result: Pick<StepResult, 'locks' | 'log' | 'signal'>
}

function release(stack: HeldEntry[], e: LockEvent): void {
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i]!.cls === e.cls && stack[i]!.instance === e.instance) {
      stack.splice(i, 1)
      return
    }
  }
}

/** Locks each task still holds after step `upTo` (1-based; 0 = none run). */
export function heldAfter(records: readonly RecordLike[], upTo: number): Record<string, HeldEntry[]> {
  const held: Record<string, HeldEntry[]> = {}
  for (const rec of records) {
    if (rec.index > upTo) break
    for (const e of rec.result.locks) {
      const stack = (held[e.task] ??= [])
      if (e.kind === 'acquire') stack.push({ cls: e.cls, instance: e.instance, mode: e.mode, fn: e.fn, step: rec.index })
      else release(stack, e)
    }
  }
  for (const k of Object.keys(held)) if (!held[k]!.length) delete held[k]
  return held
}

export interface LockMoment {
  readonly event: LockEvent
  /** what the task holds right after the event */
  readonly held: readonly string[]
}

/** Each lock event of one step with the task's held classes after it (the step starts with `before`). */
export function lockMoments(locks: readonly LockEvent[], before: Readonly<Record<string, readonly HeldEntry[]>> = {}): LockMoment[] {
  const held: Record<string, HeldEntry[]> = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, [...v]]))
  return locks.map((e) => {
    const stack = (held[e.task] ??= [])
    if (e.kind === 'acquire') stack.push({ cls: e.cls, instance: e.instance, mode: e.mode, fn: e.fn, step: 0 })
    else release(stack, e)
    return { event: e, held: stack.map((h) => h.cls) }
  })
}

export interface LogEntry {
  readonly step: number
  readonly op: string
  readonly level: LogLevel | 'signal'
  readonly text: string
}

/** The kernel log of a run: every WARN/BUG/info line and every signal, each with its step. */
export function kernelLog(records: readonly RecordLike[]): LogEntry[] {
  const out: LogEntry[] = []
  for (const rec of records) {
    for (const l of rec.result.log) out.push({ step: rec.index, op: rec.step.op, level: l.level, text: l.text })
    if (rec.result.signal) out.push({ step: rec.index, op: rec.step.op, level: 'signal', text: `${rec.result.signal} delivered to the VMM (${rec.step.op})` })
  }
  return out
}
