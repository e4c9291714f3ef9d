/** The invariants, and the seed bugs known to break each one as written. */
import type { Variant } from '../state'

export type InvariantId =
  /** no file range is bound twice where the variant forbids it */
  | 'file-range-bound-once'
  /** no guest physical address is bound twice in a VM */
  | 'gpa-bound-once'
  /** the file side and the VM side of every binding agree (xarray ↔ memslot, file list ↔ VM tree) */
  | 'bindings-coherent'
  /** a lent folio is never reachable by the host while lent */
  | 'lent-not-host-reachable'
  /** every stage-2 (or ghvm->mm) mapping points at a live folio of a range bound to it */
  | 'stage2-live'
  /** no stage-2 (or ghvm->mm) mapping points at a hardware-poisoned folio */
  | 'no-poisoned-mapping'
  /** a page that stays in the page cache across a step keeps its pfn (a folio is not silently replaced) */
  | 'folios-stable'
  /** f_count, users_count and mmu_invalidate_in_progress never go negative */
  | 'refcounts-non-negative'
  /** f_count equals its holders (fds, mappings, v17 bindings); users_count equals the VM's live files */
  | 'refcounts-balanced'
  /** mmu_invalidate_in_progress is 0 between operations (begin and end are balanced) */
  | 'invalidation-balanced'
  /** the kernel is not tainted: no oops, BUG or KASAN report */
  | 'no-oops'
  /** every task's lock stack is empty between operations (unless an oops killed it) */
  | 'locks-released'

export interface Violation {
  readonly invariant: InvariantId
  readonly message: string
  /** the seed bugs known to break this invariant in this variant as written (empty: none is) */
  readonly seedBugs: readonly string[]
}

export const INVARIANTS: readonly InvariantId[] = [
  'file-range-bound-once',
  'gpa-bound-once',
  'bindings-coherent',
  'lent-not-host-reachable',
  'stage2-live',
  'no-poisoned-mapping',
  'folios-stable',
  'refcounts-non-negative',
  'refcounts-balanced',
  'invalidation-balanced',
  'no-oops',
  'locks-released',
]

/**
 * The seed bugs that break each invariant, by variant, when the variant runs as written. Found by
 * the property tests (test/property) and explained in docs/bugs-*.md. kvm-upstream and
 * kvm-v14-mmap have no switchable bugs: every invariant must hold there.
 */
export const KNOWN_BREAKERS: Readonly<Record<InvariantId, Partial<Record<Variant, readonly string[]>>>> = {
  'file-range-bound-once': {
    // a slot published without its xarray entry lets a second slot bind the same file range
    'kvm-v11': ['B-K12'],
    // v15's allowed_overlap lets two bindings share file pages (across VMs, or shares in one VM)
    'gunyah-v15': ['B-G15-2', 'B-G15-3'],
  },
  'gpa-bound-once': {},
  'bindings-coherent': {
    // B-K5: the xarray points at a freed slot; B-K12: a slot points at a file with no xarray entry
    'kvm-v11': ['B-K5', 'B-K12'],
    // an orphan binding is on the file list but not in the VM tree
    'gunyah-v17': ['B-G17-16'],
  },
  'lent-not-host-reachable': {},
  'stage2-live': {
    'kvm-v11': ['B-K5', 'B-K12'],
    // UNMAP without reclaim; release, punch and error_remove truncate pages the guest holds
    'gunyah-v15': ['B-G15-5', 'B-G15-6', 'B-G15-9'],
    // a binding freed although the VM kept its folios; an orphaned binding
    'gunyah-v17': ['B-G17-12', 'B-G17-16'],
  },
  'no-poisoned-mapping': {
    // error_page zaps nothing; get_pfn hands a poisoned folio out again
    'kvm-v11': ['B-K3', 'B-K13'],
    'gunyah-v17': ['B-G17-15'],
  },
  'folios-stable': {},
  'refcounts-non-negative': {},
  'refcounts-balanced': {
    // the oops in __kvm_gmem_create's error path leaves the new file with its reference
    'kvm-v11': ['B-K7'],
    // a successful UNMAP never drops its fget() reference
    'gunyah-v17': ['B-G17-8'],
  },
  'invalidation-balanced': {
    'kvm-v11': ['B-K2'],
  },
  'no-oops': {
    'kvm-v11': ['B-K5', 'B-K7', 'B-K9', 'B-K12'],
    'gunyah-v17': ['B-G17-12'],
  },
  'locks-released': {},
}
