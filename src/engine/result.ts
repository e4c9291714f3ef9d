/**
 * What one step reports: the syscall's return, errno and signal, the kernel log, the lock events
 * in order, and the rule that decided the outcome.
 */
import type { Int } from './u64'

export type Errno =
  | 'EPERM'
  | 'ENOENT'
  | 'EINTR'
  | 'EIO'
  | 'ENXIO'
  | 'EBADF'
  | 'EAGAIN'
  | 'ENOMEM'
  | 'EACCES'
  | 'EFAULT'
  | 'EBUSY'
  | 'EEXIST'
  | 'ENODEV'
  | 'EINVAL'
  | 'ENOTTY'
  | 'EFBIG'
  | 'ENOSPC'
  | 'ESPIPE'
  | 'EOPNOTSUPP'
  | 'EHWPOISON'

export type Signal = 'SIGBUS' | 'SIGSEGV' | 'SIGKILL'

/** How a lock was taken, as lockdep distinguishes it. */
export type LockMode = 'write' | 'read' | 'recursive-read'

export interface LockEvent {
  /** sync: synchronize_srcu() and the like, which wait for every reader (lockdep's lock_sync) */
  readonly kind: 'acquire' | 'release' | 'sync'
  /** the lock class as lockdep names it, e.g. "&kvm->slots_lock" */
  readonly cls: string
  /** the lock instance (which VM's slots_lock, which inode's invalidate_lock) */
  readonly instance: string
  readonly mode: LockMode
  readonly trylock: boolean
  /** the kernel function that called the lock primitive */
  readonly fn: string
  /** the kernel call path, innermost first (fn is stack[0]) */
  readonly stack: readonly string[]
  readonly task: string
  readonly cpu: number
  /**
   * How many times the event repeats in a row, one per folio of an extent (folio_lock, and the
   * locks a per-folio callback takes); absent means once. Extents are never walked page by page.
   */
  readonly count?: number
}

export type LogLevel = 'info' | 'warn' | 'err' | 'bug'

export interface LogLine {
  readonly level: LogLevel
  readonly text: string
}

/** The rule that decided a step's outcome, with its source. */
export interface Rule {
  /** the kernel function that holds the rule */
  readonly fn: string
  /** the condition, as the seed writes it */
  readonly why: string
  /** citation, e.g. "seed 002: kvm_gmem_bind" */
  readonly seed: string
}

export interface StepResult {
  /** the return value: an fd, 0, an address, or -1 on error */
  readonly ret: Int
  readonly errno: Errno | null
  readonly signal: Signal | null
  /** for vCPU events: the KVM exit reason userspace sees, or RET_PF_RETRY for a retried fault */
  readonly exit: string | null
  /** in/out fields written back to userspace (KVM_MAP_MEMORY) */
  readonly out: Readonly<Record<string, Int>> | null
  readonly log: readonly LogLine[]
  readonly locks: readonly LockEvent[]
  /** the rule that refused the call (errno) or delivered the signal */
  readonly rule: Rule | null
  /** the seed bugs whose as-written path this step took (or whose fix it applied, with fixes on) */
  readonly bugs: readonly string[]
}
