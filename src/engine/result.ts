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

/**
 * What a state-changing decision changed, in the state's own terms. Ranges are half-open page
 * indices (file pages) or gfns, as extents: one entry per extent a kernel function changed, never
 * one per page. Plain data, so a result survives JSON.stringify.
 */
export type EffectObject =
  /** page-cache folios of an inode (Inode.folios), file page indices [start, end) */
  | { readonly kind: 'folios'; readonly inode: string; readonly start: number; readonly end: number }
  /** the inode itself: i_private_list, eviction, creation */
  | { readonly kind: 'inode'; readonly id: string }
  /** KVM: the guest_memfd's bindings xarray (OpenFile.bindings), file page indices */
  | { readonly kind: 'binding'; readonly file: string; readonly start: number; readonly end: number }
  /** Gunyah: a struct gunyah_gmem_binding (and its entries in the VM's tree) */
  | { readonly kind: 'gunyah-binding'; readonly id: string }
  /** KVM: a memslot by "as_id:id" */
  | { readonly kind: 'memslot'; readonly vm: string; readonly key: string }
  /** KVM stage 2 (KvmVm.stage2) or Gunyah ghvm->mm, gfns [start, end) */
  | { readonly kind: 'stage2'; readonly vm: string; readonly start: number; readonly end: number }
  /** KVM memory attributes, gfns [start, end) */
  | { readonly kind: 'attributes'; readonly vm: string; readonly start: number; readonly end: number }
  /** Gunyah per-page owner/access of an inode, file page indices [start, end) */
  | { readonly kind: 'pages'; readonly inode: string; readonly start: number; readonly end: number }
  /** a struct file and the fds that point at it */
  | { readonly kind: 'file'; readonly id: string }
  /** a VM (KVM or Gunyah): its references, lifetime, MMU invalidation bookkeeping */
  | { readonly kind: 'vm'; readonly id: string }
  /** a KVM vCPU */
  | { readonly kind: 'vcpu'; readonly id: string }
  /** a host mapping (VMA) and, for Gunyah, its host PTEs */
  | { readonly kind: 'vma'; readonly id: string }
  /** kernel-wide state: taint, WARN_ON_ONCE sites, fault injection, kmemleak, the KVM host config */
  | { readonly kind: 'kernel'; readonly field: KernelField }

export type KernelField = 'taint' | 'warnedOnce' | 'inject' | 'reclaimFails' | 'leaked' | 'host'

export type EffectKind = EffectObject['kind']

/** One state change and the rule that made it. */
export interface Effect {
  /** the kernel function that made the change */
  readonly fn: string
  /** what it did, as the kernel does it, e.g. "truncated (truncate_inode_pages_range)" */
  readonly what: string
  /** citation, e.g. "seed 002 kvm_gmem_punch_hole" */
  readonly seed: string
  readonly object: EffectObject
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
  /**
   * Every state change the step made, in order, with the kernel function and seed rule behind
   * it. Empty when the step changed nothing (a refusal, a fault served by a present mapping).
   */
  readonly effects: readonly Effect[]
}
