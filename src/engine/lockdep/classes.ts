/**
 * Lock classes as lockdep registers and prints them.
 *
 * - One class per key: the engine's class name (`LockEvent.cls`) is the key, so every
 *   guest_memfd inode's invalidate_lock is one class (one per filesystem type, as
 *   inode_init_always() keys it by sb->s_type->invalidate_lock_key).
 * - name_version (`#N`): lockdep's count_matching_names() numbers classes that share a name in
 *   registration order; `#N` is printed when N > 1. Classes registered before the simulation
 *   (other filesystems' invalidate_lock) are given by `preRegistered`: with the default
 *   {"mapping.invalidate_lock": 3} the guest_memfd one is #4, as in the seed thread's splat.
 * - A subclass (`*_nested`) is a separate class that shares the base key's version, printed
 *   `name#N/S`.
 * - Wait types: the engine's (locks.ts, 1 free, 2 spin, 3 config, 4 sleep, i.e. the
 *   CONFIG_PROVE_RAW_LOCK_NESTING numbering), corrected where lockdep differs: SRCU is INV
 *   {0:0}, rcu_read_lock is {outer FREE : inner CONFIG}. Without raw-lock nesting CONFIG
 *   equals SPIN and SLEEP is 3.
 */
import { lockClassByName, type LockPrimitive } from '../locks'
import type { ClassState, LockdepState, ResolvedOptions } from './types'
import {
  ENABLED_HARDIRQ,
  ENABLED_HARDIRQ_READ,
  ENABLED_SOFTIRQ,
  ENABLED_SOFTIRQ_READ,
  USED_IN_HARDIRQ,
  USED_IN_HARDIRQ_READ,
  USED_IN_SOFTIRQ,
  USED_IN_SOFTIRQ_READ,
} from './types'

export const FOLIO_LOCK_CLASS = 'folio_lock'

export const WAIT_INV = 0
export const WAIT_FREE = 1
export const WAIT_SPIN = 2
export const WAIT_CONFIG = 3
export const WAIT_SLEEP = 4

interface ClassMeta {
  readonly primitive: LockPrimitive | 'unknown'
  readonly waitInner: number
  readonly waitOuter: number
  readonly check: boolean
  readonly beyondLockdep: boolean
}

/** Where lockdep's annotation differs from the engine's class table. */
const OVERRIDES: Readonly<Record<string, Partial<ClassMeta>>> = {
  // include/linux/srcu.h: srcu_read_lock is lock_map_acquire_read on a map of wait type INV
  '&kvm->srcu': { waitInner: WAIT_INV, waitOuter: WAIT_INV },
  // include/linux/rcupdate.h: rcu_lock_acquire passes check=0; the map is {FREE:CONFIG}
  rcu_read_lock: { waitInner: WAIT_CONFIG, waitOuter: WAIT_FREE, check: false },
}

const BY_PRIMITIVE: Readonly<Record<LockPrimitive | 'unknown', number>> = {
  mutex: WAIT_SLEEP,
  rwsem: WAIT_SLEEP,
  bit: WAIT_SLEEP,
  rwlock: WAIT_CONFIG,
  spinlock: WAIT_CONFIG,
  rcu: WAIT_CONFIG,
  srcu: WAIT_INV,
  unknown: WAIT_SLEEP,
}

/** What lockdep knows about a class name. Unknown names are taken as sleeping locks. */
export function classMeta(name: string): ClassMeta {
  const c = lockClassByName(name)
  const primitive = c?.primitive ?? 'unknown'
  const base: ClassMeta = c
    ? { primitive, waitInner: c.waitInner, waitOuter: c.waitOuter, check: primitive !== 'rcu', beyondLockdep: c.pseudo }
    : { primitive, waitInner: BY_PRIMITIVE.unknown, waitOuter: BY_PRIMITIVE.unknown, check: true, beyondLockdep: name === FOLIO_LOCK_CLASS }
  return { ...base, ...OVERRIDES[name] }
}

/** A wait type in the configured numbering (CONFIG = SPIN and SLEEP = 3 without raw nesting). */
export function waitValue(w: number, opts: ResolvedOptions): number {
  if (opts.rawLockNesting || w < WAIT_CONFIG) return w
  return w - 1
}

/** LD_WAIT_MAX: the task context's value (`context-{5:5}`). */
export function taskWaitContext(opts: ResolvedOptions): number {
  return opts.rawLockNesting ? 5 : 4
}

export function classId(name: string, subclass: number): string {
  return subclass ? `${name}/${subclass}` : name
}

/** Registers a class on first use (register_lock_class), returning the new state's tables. */
export function registerClass(
  s: Pick<LockdepState, 'classes' | 'nameVersions' | 'opts'>,
  name: string,
  subclass: number,
): { classes: Record<string, ClassState>; nameVersions: Record<string, number>; id: string } {
  const id = classId(name, subclass)
  if (s.classes[id]) return { classes: s.classes as Record<string, ClassState>, nameVersions: s.nameVersions as Record<string, number>, id }
  const meta = classMeta(name)
  // count_matching_names(): a subclass of a registered key shares its version
  const sibling = Object.values(s.classes).find((c) => c.name === name)
  const prior = s.nameVersions[name] ?? s.opts.preRegistered[name] ?? 0
  const version = sibling ? sibling.version : prior + 1
  const cls: ClassState = {
    id,
    name,
    version,
    subclass,
    waitInner: waitValue(meta.waitInner, s.opts),
    waitOuter: waitValue(meta.waitOuter, s.opts),
    check: meta.check,
    beyondLockdep: meta.beyondLockdep,
    usage: 0,
    order: Object.keys(s.classes).length,
  }
  return {
    classes: { ...s.classes, [id]: cls },
    nameVersions: { ...s.nameVersions, [name]: Math.max(version, prior) },
    id,
  }
}

/** __print_lock_name(): `name`, `#N` when the version is above 1, `/S` for a subclass. */
export function printedName(c: ClassState): string {
  return `${c.name}${c.version > 1 ? `#${c.version}` : ''}${c.subclass ? `/${c.subclass}` : ''}`
}

/** get_usage_chars(): hardirq-write, hardirq-read, softirq-write, softirq-read. */
export function usageChars(c: ClassState): string {
  const ch = (usedIn: number, enabled: number): string => {
    const u = (c.usage & usedIn) !== 0
    const e = (c.usage & enabled) !== 0
    return u && e ? '?' : u ? '-' : e ? '+' : '.'
  }
  return (
    ch(USED_IN_HARDIRQ, ENABLED_HARDIRQ) +
    ch(USED_IN_HARDIRQ_READ, ENABLED_HARDIRQ_READ) +
    ch(USED_IN_SOFTIRQ, ENABLED_SOFTIRQ) +
    ch(USED_IN_SOFTIRQ_READ, ENABLED_SOFTIRQ_READ)
  )
}

/** The `-{o:i}` suffix: outer (or inner when outer is INV) and inner. */
export function waitChars(c: ClassState): string {
  return `{${c.waitOuter || c.waitInner}:${c.waitInner}}`
}

/** ` (name){usage}-{o:i}` as print_lock_name() prints it (with its leading space). */
export function lockNameWithUsage(c: ClassState): string {
  return ` (${printedName(c)}){${usageChars(c)}}-${waitChars(c)}`
}
