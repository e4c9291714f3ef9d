/**
 * Types of the lock validator (a model of the kernel's lockdep, CONFIG_PROVE_LOCKING).
 *
 * Everything here is plain data (no Maps, no classes) so a state or a report can be stored,
 * compared, sent to a worker or drawn by the app as is.
 */
import type { LockEvent } from '../result'

/**
 * What the validator consumes: the engine's lock events, plus two optional extensions the
 * engine does not emit yet: `kind: 'sync'` (lock_sync(), as synchronize_srcu() is annotated:
 * a write acquire+release that leaves nothing held) and `subclass` (`*_lock_nested()`).
 */
export type LockdepEvent = Omit<LockEvent, 'kind'> & {
  readonly kind: LockEvent['kind'] | 'sync'
  readonly subclass?: number
}

/** lockdep's `read` argument: 0 exclusive, 1 non-recursive read, 2 recursive read. */
export type ReadMode = 0 | 1 | 2

export interface LockdepOptions {
  /** stop after the first report, like the kernel's debug_locks_off() (default true) */
  readonly oneShot?: boolean
  /** track the folio lock pseudo-class, which the real lockdep cannot see (default false) */
  readonly trackFolioLock?: boolean
  /** CONFIG_PROVE_RAW_LOCK_NESTING: a mutex prints {4:4} when on, {3:3} when off (default true) */
  readonly rawLockNesting?: boolean
  /** the print_kernel_ident() line */
  readonly ident?: string
  /**
   * Classes with the same name registered before the simulation starts (other filesystems'
   * invalidate_lock classes): the next class of that name prints as `name#(count+1)`.
   */
  readonly preRegistered?: Readonly<Record<string, number>>
  /** pids of tasks by comm (events carry the comm only) */
  readonly pids?: Readonly<Record<string, number>>
}

export type ResolvedOptions = Required<LockdepOptions>

/** One lock class as registered (a key plus a subclass). */
export interface ClassState {
  /** the class id: name, plus `/subclass` when non-zero */
  readonly id: string
  readonly name: string
  /** name_version: printed as #N when greater than 1 */
  readonly version: number
  readonly subclass: number
  readonly waitInner: number
  readonly waitOuter: number
  /** false for check=0 maps (rcu_read_lock): held, wait-checked, never in the graph */
  readonly check: boolean
  /** the folio lock: not a lockdep class at all */
  readonly beyondLockdep: boolean
  /** usage bits (USAGE_* below) */
  readonly usage: number
  /** registration order */
  readonly order: number
}

export const ENABLED_HARDIRQ = 1
export const ENABLED_HARDIRQ_READ = 2
export const ENABLED_SOFTIRQ = 4
export const ENABLED_SOFTIRQ_READ = 8
export const USED_IN_HARDIRQ = 16
export const USED_IN_HARDIRQ_READ = 32
export const USED_IN_SOFTIRQ = 64
export const USED_IN_SOFTIRQ_READ = 128

/** Dependency type bits of an edge, as lockdep's DEP_*_BIT: bit = (prev exclusive) + 2*(next non-recursive). */
export const DEP_SR = 1
export const DEP_ER = 2
export const DEP_SN = 4
export const DEP_EN = 8

/** A dependency `from -> to`: `to` was acquired while `from` was held. */
export interface Edge {
  readonly from: string
  readonly to: string
  /** DEP_* bits, OR-ed over every time the pair was seen */
  readonly dep: number
  /** the step (1-based) and op that first created the edge */
  readonly step: number
  readonly op: string
  readonly task: string
  readonly cpu: number
  /** the saved trace: where `to` was taken while `from` was held, innermost first */
  readonly trace: readonly string[]
}

export interface HeldLock {
  readonly cls: string
  readonly instance: string
  readonly read: ReadMode
  readonly trylock: boolean
  readonly check: boolean
  /** acquire_ip: the function that called the lock primitive */
  readonly fn: string
  readonly stack: readonly string[]
}

export interface LockdepState {
  readonly opts: ResolvedOptions
  /** false after a report when oneShot: lockdep is turned off */
  readonly debugLocks: boolean
  readonly classes: Readonly<Record<string, ClassState>>
  /** the highest name_version per name */
  readonly nameVersions: Readonly<Record<string, number>>
  /** locks_after lists, by class id, in insertion order */
  readonly after: Readonly<Record<string, readonly Edge[]>>
  /** held-lock stacks by task (comm/cpu) */
  readonly held: Readonly<Record<string, readonly HeldLock[]>>
  /** the chain cache: (class, read) sequences already validated */
  readonly chains: Readonly<Record<string, true>>
  readonly reportCount: number
}

export type ReportType = 'circular' | 'recursive' | 'invalid-wait-context'

/** One edge of a reported cycle, for drawing. */
export interface CycleEdge {
  readonly from: string
  readonly to: string
  /** the new dependency that would close the cycle (lockdep refuses to add it) */
  readonly closing: boolean
}

export interface LockdepReport {
  readonly type: ReportType
  /** the step (1-based) whose lock event triggered the report, and its op */
  readonly step: number
  readonly op: string
  readonly task: string
  readonly pid: number
  readonly cpu: number
  /**
   * Class names as printed. circular: the chain from #N (the held lock) down to #0 (the lock
   * being acquired); recursive: [held, acquiring]; invalid wait context: [acquiring].
   */
  readonly classes: readonly string[]
  /** the report exactly as the kernel prints it */
  readonly text: string
  /** the report involves the folio lock, which the kernel's lockdep cannot see */
  readonly beyondLockdep: boolean
  /** class ids of the cycle, for the graph (circular only) */
  readonly cycle: readonly CycleEdge[]
}

/** The graph as the app draws it. */
export interface GraphNode {
  readonly id: string
  /** as printed: `mapping.invalidate_lock#4` */
  readonly name: string
  /** `{+.+.}` */
  readonly usage: string
  /** `{4:4}` */
  readonly wait: string
  readonly beyondLockdep: boolean
}

export interface GraphEdge {
  readonly from: string
  readonly to: string
  /** 'EN', 'SR', ... every type seen */
  readonly types: readonly string[]
  readonly step: number
  readonly op: string
  readonly task: string
  readonly cpu: number
  readonly trace: readonly string[]
  /** on the reported cycle */
  readonly inCycle: boolean
}

export interface LockdepGraph {
  readonly nodes: readonly GraphNode[]
  readonly edges: readonly GraphEdge[]
  /** the first circular report's cycle (the closing edge is in it, not in edges) */
  readonly cycle: readonly CycleEdge[]
}
