/**
 * Report text, laid out exactly as kernel/locking/lockdep.c prints it (print_circular_bug,
 * print_deadlock_bug, print_lock_invalid_wait_context, lockdep_print_held_locks).
 *
 * What the engine cannot know is synthesised and documented in docs/lockdep.md: instance
 * addresses are a hash of the instance name, frames carry no +off/len, the trace starts with
 * the lock primitive the class uses (down_write, mutex_lock_nested, ...) and ends with the
 * syscall entry of the step's op.
 */
import { classMeta, lockNameWithUsage, printedName, taskWaitContext } from './classes'
import type { ClassState, HeldLock, LockdepState, ReadMode } from './types'

/** FNV-1a, for stable fake addresses. */
function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A `%px` instance address: static maps in the kernel image, the rest in the direct map. */
export function instanceAddress(cls: string, instance: string): string {
  const h = hash32(`${cls}\u0000${instance}`).toString(16).padStart(8, '0')
  return classMeta(cls).primitive === 'rcu' ? `ffffffff8${h.slice(1)}` : `ffff8880${h}`
}

/** The module a symbol lives in, as %pS prints it (` [kvm]`). */
export function moduleOf(fn: string): string {
  if (/^_*(kvm|vcpu)_/.test(fn) || fn.startsWith('kvm_gmem')) return ' [kvm]'
  if (/^_*(gunyah|gh)_/.test(fn)) return ' [gunyah]'
  return ''
}

export function sym(fn: string): string {
  return `${fn}${moduleOf(fn)}`
}

/** The lock primitive's own frame, above the caller the engine records. */
export function primitiveFrame(cls: string, read: ReadMode, trylock: boolean, kind: 'acquire' | 'release' | 'sync'): string {
  if (kind === 'sync') return 'lock_sync'
  const p = classMeta(cls).primitive
  const rel = kind === 'release'
  switch (p) {
    case 'mutex':
      return rel ? 'mutex_unlock' : trylock ? 'mutex_trylock' : 'mutex_lock_nested'
    case 'rwsem':
      if (rel) return read ? 'up_read' : 'up_write'
      return `down_${read ? 'read' : 'write'}${trylock ? '_trylock' : ''}`
    case 'rwlock':
      return `_raw_${read ? 'read' : 'write'}_${rel ? 'unlock' : trylock ? 'trylock' : 'lock'}`
    case 'spinlock':
      return `_raw_spin_${rel ? 'unlock' : trylock ? 'trylock' : 'lock'}`
    case 'srcu':
      return rel ? 'srcu_read_unlock' : 'srcu_read_lock'
    case 'rcu':
      return rel ? 'rcu_read_unlock' : 'rcu_read_lock'
    case 'bit':
      return rel ? 'folio_unlock' : trylock ? 'folio_trylock' : '__folio_lock'
    default:
      return rel ? 'lock_release' : 'lock_acquire'
  }
}

/** The frames below the engine's call path: how the op entered the kernel. */
export function entryFrames(op: string): string[] {
  const sys = (name: string): string[] => [`__x64_sys_${name}`, 'do_syscall_64', 'entry_SYSCALL_64_after_hwframe']
  if (op.startsWith('KVM_') || op.startsWith('GH_') || op.startsWith('GUNYAH_') || op === 'guest_access') return sys('ioctl')
  if (op === 'close' || op === 'fallocate' || op === 'mmap' || op === 'munmap') return sys(op)
  if (op === 'host_access') return ['exc_page_fault', 'asm_exc_page_fault']
  return []
}

/** A saved trace of an acquisition: primitive, the engine's call path, the syscall entry. */
export function acquireTrace(cls: string, read: ReadMode, trylock: boolean, kind: 'acquire' | 'sync', stack: readonly string[], op: string): string[] {
  return [primitiveFrame(cls, read, trylock, kind), ...stack, ...entryFrames(op)]
}

/** The frames lockdep itself adds above the acquisition when it reports from check_prev_add. */
export const LOCKDEP_FRAMES_CIRCULAR = ['check_prev_add', 'check_prevs_add', 'validate_chain', '__lock_acquire', 'lock_acquire']

export interface ReportTask {
  readonly comm: string
  readonly pid: number
  readonly cpu: number
}

export interface PrintLock {
  readonly cls: ClassState
  readonly instance: string
  readonly fn: string
}

function printLock(l: PrintLock): string {
  return `${instanceAddress(l.cls.name, l.instance)}${lockNameWithUsage(l.cls)}, at: ${sym(l.fn)}`
}

function traceLines(trace: readonly string[]): string[] {
  return trace.map((f) => `       ${sym(f)}`)
}

function heldLocks(s: LockdepState, task: ReportTask, held: readonly HeldLock[]): string[] {
  const lines = [
    held.length === 0 ? `no locks held by ${task.comm}/${task.pid}.` : `${held.length} lock${held.length > 1 ? 's' : ''} held by ${task.comm}/${task.pid}:`,
  ]
  held.forEach((h, i) => {
    const cls = s.classes[h.cls]!
    lines.push(` #${i}: ${printLock({ cls, instance: h.instance, fn: h.fn })}`)
  })
  return lines
}

/** dump_stack() prints the taint first: `Not tainted 6.4.0-rc5 #0` for ident `6.4.0-rc5 #0 Not tainted`. */
function dumpStackIdent(ident: string): string {
  const m = /^(\S+) (#\S+) (.*)$/.exec(ident)
  return m ? `${m[3]} ${m[1]} ${m[2]}` : ident
}

function backtrace(s: LockdepState, task: ReportTask, frames: readonly string[]): string[] {
  return [
    'stack backtrace:',
    `CPU: ${task.cpu} PID: ${task.pid} Comm: ${task.comm} ${dumpStackIdent(s.opts.ident)}`,
    'Hardware name: gmemscope simulated machine',
    'Call Trace:',
    ' <TASK>',
    ...frames.map((f) => ` ${sym(f)}`),
    ' </TASK>',
  ]
}

function header(title: string, s: LockdepState): string[] {
  const w = title.length
  return ['='.repeat(w), title, s.opts.ident, '-'.repeat(w)]
}

export interface ChainEntry {
  readonly cls: ClassState
  readonly trace: readonly string[]
}

/** print_circular_bug(): `chain` runs from #N (the held lock, TGT) down to #0 (SRC). */
export function circularText(
  s: LockdepState,
  task: ReportTask,
  next: PrintLock & { read: ReadMode; sync: boolean },
  prev: PrintLock & { read: ReadMode },
  chain: readonly ChainEntry[],
  held: readonly HeldLock[],
  currentTrace: readonly string[],
): string {
  const title = 'WARNING: possible circular locking dependency detected'
  const n = chain.length - 1
  const lines = [
    ...header(title, s),
    `${task.comm}/${task.pid} is trying to acquire lock:`,
    printLock(next),
    '',
    'but task is already holding lock:',
    printLock(prev),
    '',
    'which lock already depends on the new lock.',
    '',
    '',
    'the existing dependency chain (in reverse order) is:',
  ]
  chain.forEach((e, i) => {
    lines.push('', `-> #${n - i}${lockNameWithUsage(e.cls)}:`, ...traceLines(e.trace))
  })
  lines.push('', 'other info that might help us debug this:', '')
  const src = chain[n]!.cls
  const tgt = chain[0]!.cls
  const parent = chain[1]!.cls
  if (parent.id !== src.id) {
    lines.push('Chain exists of:', `  ${printedName(src)} --> ${printedName(parent)} --> ${printedName(tgt)}`, '')
  }
  lines.push(
    ' Possible unsafe locking scenario:',
    '',
    '       CPU0                    CPU1',
    '       ----                    ----',
    `  ${prev.read ? 'rlock' : 'lock'}(${printedName(tgt)});`,
    `                               lock(${printedName(parent)});`,
    `                               lock(${printedName(tgt)});`,
    `  ${next.read ? 'rlock' : next.sync ? 'sync' : 'lock'}(${printedName(src)});`,
    '',
    ' *** DEADLOCK ***',
    '',
    ...heldLocks(s, task, held),
    '',
    ...backtrace(s, task, ['dump_stack_lvl', 'check_noncircular', ...currentTrace]),
  )
  return lines.join('\n') + '\n'
}

/** print_deadlock_bug(): the same class taken twice. */
export function recursiveText(s: LockdepState, task: ReportTask, next: PrintLock, prev: PrintLock, held: readonly HeldLock[], currentTrace: readonly string[]): string {
  const lines = [
    ...header('WARNING: possible recursive locking detected', s),
    `${task.comm}/${task.pid} is trying to acquire lock:`,
    printLock(next),
    '',
    'but task is already holding lock:',
    printLock(prev),
    '',
    'other info that might help us debug this:',
    ' Possible unsafe locking scenario:',
    '',
    '       CPU0',
    '       ----',
    `  lock(${printedName(prev.cls)});`,
    `  lock(${printedName(next.cls)});`,
    '',
    ' *** DEADLOCK ***',
    '',
    ' May be due to missing lock nesting notation',
    '',
    ...heldLocks(s, task, held),
    '',
    ...backtrace(s, task, ['dump_stack_lvl', '__lock_acquire', 'lock_acquire', ...currentTrace]),
  ]
  return lines.join('\n') + '\n'
}

/** print_lock_invalid_wait_context(). */
export function waitContextText(s: LockdepState, task: ReportTask, next: PrintLock, held: readonly HeldLock[], currentTrace: readonly string[]): string {
  const ctx = taskWaitContext(s.opts)
  const lines = [
    ...header('[ BUG: Invalid wait context ]', s),
    `${task.comm}/${task.pid} is trying to lock:`,
    printLock(next),
    'other info that might help us debug this:',
    `context-{${ctx}:${ctx}}`,
    ...heldLocks(s, task, held),
    'stack backtrace:',
    ...backtrace(s, task, ['dump_stack_lvl', '__lock_acquire', 'lock_acquire', ...currentTrace]).slice(1),
  ]
  return lines.join('\n') + '\n'
}
