/**
 * OpCtx: what one step accumulates while the kernel code runs.
 *
 * Ops read and write `ctx.s`, an Immer draft of the state, so the input state is never mutated.
 * Everything else a step reports is appended here as data: lock events (with the kernel call
 * path), kernel-log lines, the signal, the rule that refused the call, and the seed bugs the
 * step went through. `ctx.call(fn, body)` names the kernel function being run, so each lock
 * event carries its call path, as a lockdep report does.
 */
import type { Draft } from 'immer'
import type { KernelState } from './state'
import type { Effect, EffectObject, Errno, LockEvent, LockMode, LogLine, Rule, Signal } from './result'
import { LOCK_CLASSES, type LockClassKey } from './locks'
import { errnoName } from './errno'

export interface Held {
  readonly cls: string
  readonly instance: string
  readonly mode: LockMode
  readonly count: number
}

export interface TaskInfo {
  readonly task: string
  readonly pid: number
  readonly cpu: number
}

export const DEFAULT_TASK: TaskInfo = { task: 'vmm', pid: 1000, cpu: 0 }

export class OpCtx {
  readonly locks: LockEvent[] = []
  readonly log: LogLine[] = []
  readonly held: Held[] = []
  readonly bugs: string[] = []
  readonly stack: string[] = []
  /** the state changes made so far, each with the kernel function and the rule behind it */
  readonly effects: Effect[] = []
  /** task_work queued by this step (the last fput's ____fput), run when the syscall returns */
  readonly taskWork: (() => void)[] = []
  signal: Signal | null = null
  rule: Rule | null = null
  exit: string | null = null
  out: Record<string, number | string> | null = null

  constructor(
    readonly s: Draft<KernelState>,
    readonly seed: string,
    readonly task: TaskInfo = DEFAULT_TASK,
  ) {}

  /** Runs `body` as the kernel function `fn` (for call paths in lock events and logs). */
  call<T>(fn: string, body: () => T): T {
    this.stack.push(fn)
    try {
      return body()
    } finally {
      this.stack.pop()
    }
  }

  /**
   * task_work_run() on the way back to userspace: runs queued work in order, including work
   * queued by the work itself (an __fput that drops the last reference of another file).
   */
  runTaskWork(): void {
    if (!this.taskWork.length) return
    this.call('task_work_run', () => {
      for (let w = this.taskWork.shift(); w; w = this.taskWork.shift()) w()
    })
  }

  /** The kernel function currently running. */
  get fn(): string {
    return this.stack[this.stack.length - 1] ?? '?'
  }

  /** The kernel function that called the running one (the seed function behind a shared helper). */
  get caller(): string {
    return this.stack[this.stack.length - 2] ?? this.fn
  }

  /** A citation for a rule of the running variant's seed: "seed 002 kvm_gmem_punch_hole". */
  cite(fn: string = this.fn): string {
    return `${this.seed} ${fn}`
  }

  /** Takes a lock; `count` > 1 says the same acquire repeats once per folio of an extent. */
  lock(key: LockClassKey, instance: string, mode: LockMode = 'write', trylock = false, count = 1): void {
    const cls = LOCK_CLASSES[key].name
    this.held.push({ cls, instance, mode, count })
    this.pushLock('acquire', cls, instance, mode, trylock, count)
  }

  unlock(key: LockClassKey, instance: string): void {
    const cls = LOCK_CLASSES[key].name
    let i = this.held.length - 1
    while (i >= 0 && !(this.held[i]!.cls === cls && this.held[i]!.instance === instance)) i--
    if (i < 0) throw new Error(`engine bug: ${this.fn} releases ${cls} (${instance}) it does not hold`)
    const [h] = this.held.splice(i, 1)
    this.pushLock('release', cls, instance, h!.mode, false, h!.count)
  }

  /**
   * synchronize_srcu(): waits for all readers of the lock, recorded as lockdep's lock_sync() —
   * an acquire and release in one, which orders it after every lock held here.
   */
  sync(key: LockClassKey, instance: string): void {
    this.pushLock('sync', LOCK_CLASSES[key].name, instance, 'write', false)
  }

  /** lockdep_assert_held() */
  assertHeld(key: LockClassKey, instance: string): void {
    const cls = LOCK_CLASSES[key].name
    if (!this.held.some((h) => h.cls === cls && h.instance === instance)) {
      throw new Error(`engine bug: ${this.fn} expects ${cls} (${instance}) held`)
    }
  }

  private pushLock(
    kind: LockEvent['kind'],
    cls: string,
    instance: string,
    mode: LockMode,
    trylock: boolean,
    count = 1,
  ): void {
    this.locks.push({
      ...(count > 1 ? { count } : {}),
      kind,
      cls,
      instance,
      mode,
      trylock,
      fn: this.fn,
      stack: [...this.stack].reverse(),
      task: this.task.task,
      cpu: this.task.cpu,
    })
  }

  /**
   * Records the rule that refuses the call and returns the negative errno, so a kernel function
   * can `return ctx.refuse(-EINVAL, 'offset + size > i_size_read(inode)')`.
   */
  refuse(negErrno: number, why: string, seed = this.seed): number {
    if (!this.rule) this.rule = { fn: this.fn, why, seed }
    return negErrno
  }

  /** Records the rule without returning an errno (signals, exits). */
  because(why: string, seed = this.seed): void {
    if (!this.rule) this.rule = { fn: this.fn, why, seed }
  }

  /**
   * Records a state change made by the running kernel function: `what` says what it did, as the
   * kernel does it ("truncated (truncate_inode_pages_range)"), `seed` where the rule comes from.
   * Call it where the state is written; step() keeps the effects whose object really changed.
   */
  effect(object: EffectObject, what: string, seed = this.seed): void {
    this.effects.push({ fn: this.fn, what, seed, object })
  }

  /**
   * A decision point of a seed bug: true when the patch runs as written (the bug applies),
   * false when the step runs with the bug fixed. Either way the bug is listed on the step.
   */
  asWritten(bug: string): boolean {
    if (!this.bugs.includes(bug)) this.bugs.push(bug)
    return !this.s.fixes
  }

  info(text: string): void {
    this.log.push({ level: 'info', text })
  }

  err(text: string): void {
    this.log.push({ level: 'err', text })
  }

  /** WARN_ON(): prints the warning with the site, like the kernel. */
  warn(file: string, cond: string): void {
    this.log.push({
      level: 'warn',
      text: `WARNING: CPU: ${this.task.cpu} PID: ${this.task.pid} at ${file} ${this.fn}: ${cond}`,
    })
  }

  /** WARN_ON_ONCE(): fires once per site for the life of the kernel. */
  warnOnce(file: string, cond: string): void {
    const site = `${file}:${this.fn}:${cond}`
    if (this.s.warnedOnce.includes(site)) return
    this.s.warnedOnce.push(site)
    this.effect({ kind: 'kernel', field: 'warnedOnce' }, `WARN_ON_ONCE fired: ${cond} (the site stays quiet from now on)`, file)
    this.warn(file, cond)
  }

  /** BUG(), an oops or a KASAN report: the kernel log line and the taint. */
  bug(text: string): void {
    this.log.push({ level: 'bug', text })
  }

  errnoName(negErrno: number): Errno {
    return errnoName(negErrno)
  }
}
