import type { LockdepEvent } from '../../../src/engine/lockdep'

export interface EvOpts {
  readonly mode?: LockdepEvent['mode']
  readonly trylock?: boolean
  readonly task?: string
  readonly cpu?: number
  readonly fn?: string
  readonly stack?: readonly string[]
}

export function acq(cls: string, instance: string, o: EvOpts = {}): LockdepEvent {
  const fn = o.fn ?? 'test_fn'
  return { kind: 'acquire', cls, instance, mode: o.mode ?? 'write', trylock: o.trylock ?? false, fn, stack: o.stack ?? [fn], task: o.task ?? 'vmm', cpu: o.cpu ?? 0 }
}

export function rel(cls: string, instance: string, o: EvOpts = {}): LockdepEvent {
  return { ...acq(cls, instance, o), kind: 'release' }
}

export function sync(cls: string, instance: string, o: EvOpts = {}): LockdepEvent {
  return { ...acq(cls, instance, o), kind: 'sync' }
}

/** Acquires the locks in order, then releases them in reverse. */
export function nested(locks: readonly [string, string, EvOpts?][], o: EvOpts = {}): LockdepEvent[] {
  return [...locks.map(([c, i, e]) => acq(c, i, { ...o, ...e })), ...[...locks].reverse().map(([c, i, e]) => rel(c, i, { ...o, ...e }))]
}

export const SLOTS = '&kvm->slots_lock'
export const INV = 'mapping.invalidate_lock'
export const MMU = '&kvm->mmu_lock'
export const SRCU = '&kvm->srcu'
export const RCU = 'rcu_read_lock'
export const FOLIO = 'folio_lock'
export const BINDINGS = '&ghvm->bindings_lock'
