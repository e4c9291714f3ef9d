/**
 * Lock classes as lockdep names them, with the primitive behind each one.
 *
 * Lockdep reasons about classes (one per static key), not instances: every guest_memfd inode's
 * invalidate_lock is the class `mapping.invalidate_lock`. The wait type ({inner:outer} in a
 * report) says whether the lock may sleep. The folio lock is a page-flag bit lock that the real
 * lockdep does not track; it is recorded as a pseudo-class so the engine can show it.
 */

export type LockPrimitive = 'mutex' | 'rwsem' | 'rwlock' | 'spinlock' | 'rcu' | 'srcu' | 'bit'

export interface LockClass {
  readonly name: string
  readonly primitive: LockPrimitive
  /** lockdep wait type: 1 free, 2 spin, 3 config (spinlock_t), 4 sleep */
  readonly waitInner: number
  readonly waitOuter: number
  /** not tracked by the kernel's lockdep */
  readonly pseudo: boolean
}

function cls(
  name: string,
  primitive: LockPrimitive,
  waitInner: number,
  waitOuter = waitInner,
  pseudo = false,
): LockClass {
  return { name, primitive, waitInner, waitOuter, pseudo }
}

export const LOCK_CLASSES = {
  slotsLock: cls('&kvm->slots_lock', 'mutex', 4),
  slotsArchLock: cls('&kvm->slots_arch_lock', 'mutex', 4),
  /** x86's KVM_MMU_LOCK is write_lock(&kvm->mmu_lock) */
  mmuLock: cls('&kvm->mmu_lock', 'rwlock', 3),
  invalidateLock: cls('mapping.invalidate_lock', 'rwsem', 4),
  /** SRCU's dep_map is initialised with no wait type (LD_WAIT_INV) */
  kvmSrcu: cls('&kvm->srcu', 'srcu', 0, 0),
  /** rcu_lock_map: inner LD_WAIT_CONFIG, outer LD_WAIT_FREE */
  rcu: cls('rcu_read_lock', 'rcu', 3, 1),
  folioLock: cls('folio_lock', 'bit', 4, 4, true),
  mmapLock: cls('&mm->mmap_lock', 'rwsem', 4),
  /** Gunyah v17: ghvm->bindings_lock, serialises ghvm->bindings (seed 000 l.591) */
  bindingsLock: cls('&ghvm->bindings_lock', 'rwsem', 4),
  /** Gunyah RFC v15: ghvm->mem_lock, for ghvm->mem_layout (seed 001 vm_mgr.h) */
  memLock: cls('&ghvm->mem_lock', 'rwsem', 4),
  /** i_mmap_lock_read(mapping): the file's VMA interval tree */
  iMmapRwsem: cls('&mapping->i_mmap_rwsem', 'rwsem', 4),
} as const satisfies Record<string, LockClass>

export type LockClassKey = keyof typeof LOCK_CLASSES

export function lockClassByName(name: string): LockClass | undefined {
  return Object.values(LOCK_CLASSES).find((c) => c.name === name)
}
