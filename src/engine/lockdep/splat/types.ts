/**
 * Shapes produced by the lockdep splat parser (see parse.ts).
 *
 * Everything here is plain JSON: strings, numbers, booleans, arrays, objects
 * and null. The CLI prints these objects with JSON.stringify unchanged.
 */

/**
 * Report kinds. The first six are lockdep's dependency/usage checks; the rest
 * share lockdep's header and held-locks layout:
 * - 'suspicious-rcu':          "WARNING: suspicious RCU usage" (lockdep_rcu_suspicious)
 * - 'bad-unlock-balance':      "WARNING: bad unlock balance detected!"
 * - 'held-lock-freed':         "WARNING: held lock freed!"
 * - 'nested-lock-not-taken':   "WARNING: Nested lock was not taken"
 * - 'lock-held-return-to-user': "WARNING: lock held when returning to user space!"
 */
export type SplatType =
  | 'circular'
  | 'recursive'
  | 'inconsistent'
  | 'irq-inversion'
  | 'safe-to-unsafe'
  | 'invalid-wait-context'
  | 'suspicious-rcu'
  | 'bad-unlock-balance'
  | 'held-lock-freed'
  | 'nested-lock-not-taken'
  | 'lock-held-return-to-user';

/** The print_kernel_ident() line, e.g. "6.4.0-rc5 #0 Not tainted". */
export interface KernelIdent {
  /** Release string, e.g. "6.4.0-rc5-syzkaller-00002-gf8dba31b0a82". */
  version?: string;
  /** Build number as printed, e.g. "#0". */
  build?: string;
  /** "Not tainted", or "Tainted: <flags>" with runs of spaces collapsed. */
  tainted?: string;
}

export interface TaskRef {
  comm: string;
  pid: number;
}

/** A lock as printed by print_lock(): ` (name){usage}-{o:i}, at: sym`. */
export interface LockRef {
  class: string;
  /** The 4-char (or pre-4.14 6-char) usage field, without braces; null when not printed. */
  usage: string | null;
  /** "{outer:inner}" including braces (v5.7+), or null when absent. */
  waitType: string | null;
  /** comm of the task the report is about, when the report names one. */
  task: string | null;
  pid: number | null;
  /** Function named by ", at:" (offset and module stripped); the first non-inline one when syzbot repeats the line. */
  at: string | null;
}

/** One "-> #N (class){usage}-{o:i}:" entry of a circular report. */
export interface ChainEntry {
  index: number;
  class: string;
  usage: string;
  waitType: string | null;
  /** Function names of the saved stack trace, innermost first, offsets removed. */
  frames: string[];
  /** Module of frames[i] ("kvm" for "... [kvm]"), or null for built-in code. */
  modules: (string | null)[];
}

export interface ScenarioRow {
  cpu: number;
  /** 'lock', 'rlock', 'sync', 'unlock', 'local_irq_disable', '<Interrupt>', ... as printed. */
  op: string;
  /** Lock class inside the parentheses; '' for '<Interrupt>' and 'local_irq_disable'. */
  class: string;
  /** True for rows printed after "<Interrupt>" on the same CPU (taken in irq context). */
  inInterrupt: boolean;
}

export interface Scenario {
  /** Number of CPU columns in the header (1 for recursive/inconsistent, 2 otherwise). */
  cpus: number;
  rows: ScenarioRow[];
}

export interface HeldLock {
  index: number;
  class: string;
  usage: string | null;
  waitType: string | null;
  at: string | null;
}

export interface HeldLocks {
  /** N from "N locks held by", 0 for "no locks held by", null when the header is missing. */
  count: number | null;
  /** "comm/pid" from the header. */
  task: string | null;
  /** One entry per #N (syzbot's repeated #N lines for inlined callers are merged). */
  locks: HeldLock[];
}

/** Irq-safety details of 'irq-inversion' and 'safe-to-unsafe' reports. */
export interface IrqInfo {
  /** "HARDIRQ", "SOFTIRQ", "HARDIRQ-READ", ... */
  context: string;
  safe: string | null;
  unsafe: string | null;
}

/** A labelled stack that is not a chain entry, e.g. "{SOFTIRQ-ON-W} state was registered at". */
export interface LabelledTrace {
  label: string;
  frames: string[];
}

export interface ParsedSplat {
  type: SplatType;
  /** The title line as printed, e.g. "WARNING: possible circular locking dependency detected". */
  title: string;
  kernel?: KernelIdent;
  task: TaskRef | null;
  /** CPU from the "CPU: N PID: ..." line of the backtrace header. */
  cpu: number | null;
  /**
   * The classes the report is about. Order:
   * - circular: the dependency path lockdep found, from the lock being acquired (#0)
   *   through #1 ... #N (the held lock); each class was taken while the previous one
   *   was held, and the new #N -> #0 edge closes the cycle. "Chain exists of: SRC -->
   *   PARENT --> TGT" names #0, #N-1 and #N of this list. When a paste lost "-> #k"
   *   entries, the acquiring lock (#0), "Chain exists of" and the held lock (#N) fill in.
   * - recursive: the lock (once).
   * - inconsistent / invalid-wait-context / nested-lock-not-taken: the lock, then the nest lock.
   * - irq-inversion / safe-to-unsafe: from the irq-safe lock to the irq-unsafe one
   *   (safe, [held/middle...], unsafe), duplicates removed.
   * - bad-unlock-balance: the released lock; held-lock-freed: the lock in freed memory;
   *   lock-held-return-to-user: the held locks; suspicious-rcu: none.
   */
  classes: string[];
  /** Circular only: entries in the printed order (#N first, #0 last). */
  chain: ChainEntry[];
  /** Names from "Chain exists of:" (always three when printed), or null. */
  chainExists: string[] | null;
  /** The lock being acquired/taken/locked/changed (the "trying to acquire" block). */
  acquiring: LockRef | null;
  /** "but task is already holding lock:" / "and this task is already holding:" / the freed held lock. */
  alreadyHolding: LockRef | null;
  /** bad-unlock-balance: the lock being released. */
  releasing: LockRef | null;
  /** inconsistent: "{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}" as {from, to}. */
  usageChange: { from: string; to: string } | null;
  /** "HC0[0]:SC1[1]:HE0:SE0" when printed. */
  irqContext: string | null;
  irq: IrqInfo | null;
  /** invalid-wait-context: "{5:5}" from "context-{5:5}". */
  waitContext: string | null;
  /** suspicious-rcu: "net/ipv4/ip_tunnel.c:221 RCU-list traversed in non-reader section!!". */
  message: string | null;
  scenario: Scenario | null;
  heldLocks: HeldLocks;
  traces: LabelledTrace[];
  /** Frames of the final "stack backtrace:", innermost first; unreliable "? " frames omitted. */
  stack: string[];
  stackModules: (string | null)[];
  /** The report as normalised text: log prefixes and quoting removed, wrapped lines rejoined. */
  raw: string;
}
