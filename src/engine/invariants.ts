/**
 * Invariants of the simulated kernel: what must hold between any two operations.
 *
 * `checkInvariants(state)` looks at one state; `checkStep(before, action, output)` at one
 * transition (the lock events a step reports, and what a host access reached). Both are pure and
 * return every violation found, each naming its invariant. Where a variant *as written* is known
 * to break an invariant, the violation lists the seed bugs that do (`seedBugs`): the property
 * tests accept such a violation only when the run went through one of them, and accept none with
 * `fixes` on. The table is `KNOWN_BREAKERS`; docs/limits.md and test/property describe the rest.
 */
import type { Action } from './actions'
import { rangeLoad, rangeQuery, type RangeMap } from './rangemap'
import type { StepResult } from './result'
import {
  FOLIO_LINEAR,
  type GunyahBinding,
  type GunyahPage,
  type KernelState,
  type KvmVm,
  type Memslot,
  type Variant,
} from './state'
import { big } from './u64'

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

export interface CheckOptions {
  /** defaults to state.fixes: with fixes on, no violation names a seed bug */
  readonly fixes?: boolean
}

function isGunyah(v: Variant): boolean {
  return v === 'gunyah-v15' || v === 'gunyah-v17'
}

class Collector {
  readonly out: Violation[] = []
  constructor(
    private readonly variant: Variant,
    private readonly fixes: boolean,
  ) {}

  add(invariant: InvariantId, message: string): void {
    const seedBugs = this.fixes ? [] : (KNOWN_BREAKERS[invariant][this.variant] ?? [])
    // one violation per invariant and message is enough
    if (this.out.some((v) => v.invariant === invariant && v.message === message)) return
    this.out.push({ invariant, message, seedBugs })
  }
}

const GMEM_SLOT_FLAG = 1 << 2 // KVM_MEM_PRIVATE (v11) = KVM_MEM_GUEST_MEMFD (6.18)

function extentsOverlap(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1
}

/** Where the folios of [index, index + n) stop matching a mapping of pfn onwards: a missing folio or another pfn. */
function folioMismatch(folios: readonly { start: number; end: number; value: { pfn: number } }[], index: number, pfn: number, n: number): string | null {
  let at = index
  for (const fo of folios) {
    if (fo.start !== at) break
    const want = pfn + (fo.start - index)
    if (fo.value.pfn !== want) return `file page ${at}, whose folio has pfn 0x${fo.value.pfn.toString(16)}, not the mapped 0x${want.toString(16)}`
    at = fo.end
  }
  return at === index + n ? null : `file page ${at}, which has no folio`
}

function liveFile(s: KernelState, fileId: string | null): boolean {
  if (!fileId) return false
  const f = s.files[fileId]
  return !!f && !f.released && f.fCount > 0
}

/** Live memslots with a guest_memfd, by file. */
function boundSlots(vm: KvmVm): Memslot[] {
  return Object.values(vm.memslots).filter((m) => m.flags & GMEM_SLOT_FLAG && m.gmem.file !== null)
}

function checkKvm(s: KernelState, c: Collector): void {
  // gpa-bound-once: live memslots of one address space are disjoint in gfn
  for (const vm of Object.values(s.vms)) {
    const slots = Object.values(vm.memslots)
    for (let i = 0; i < slots.length; i++) {
      for (let j = i + 1; j < slots.length; j++) {
        const a = slots[i]!
        const b = slots[j]!
        if (a.asId === b.asId && extentsOverlap(a.baseGfn, a.baseGfn + a.npages, b.baseGfn, b.baseGfn + b.npages)) {
          c.add('gpa-bound-once', `${vm.id}: memslots ${a.asId}:${a.id} and ${b.asId}:${b.id} overlap in gfn`)
        }
      }
    }
  }
  // file-range-bound-once: no two live slots (of any VM) bind overlapping pages of one file
  const byFile = new Map<string, { vm: string; slot: Memslot }[]>()
  for (const vm of Object.values(s.vms)) {
    for (const slot of boundSlots(vm)) {
      const list = byFile.get(slot.gmem.file!) ?? []
      list.push({ vm: vm.id, slot })
      byFile.set(slot.gmem.file!, list)
    }
  }
  for (const [file, list] of byFile) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!.slot
        const b = list[j]!.slot
        if (extentsOverlap(a.gmem.pgoff, a.gmem.pgoff + a.npages, b.gmem.pgoff, b.gmem.pgoff + b.npages)) {
          c.add('file-range-bound-once', `${file}: pages [${a.gmem.pgoff}, ${a.gmem.pgoff + a.npages}) and [${b.gmem.pgoff}, ${b.gmem.pgoff + b.npages}) are bound by two memslots (${a.uid}, ${b.uid})`)
        }
      }
    }
  }
  // bindings-coherent: xarray → a live slot that points back; a live bound slot → its xarray range
  for (const f of Object.values(s.files)) {
    if (f.kind !== 'kvm-gmem') continue
    const vm = s.vms[f.vm]
    for (const e of f.bindings) {
      const slot = vm ? Object.values(vm.memslots).find((m) => m.uid === e.value.slot) : undefined
      if (!slot) {
        c.add('bindings-coherent', `${f.id}: xarray [${e.start}, ${e.end}) points at memslot ${e.value.slot}, which is not live`)
        continue
      }
      if (slot.gmem.file !== f.id || e.start < slot.gmem.pgoff || e.end > slot.gmem.pgoff + slot.npages) {
        c.add('bindings-coherent', `${f.id}: xarray [${e.start}, ${e.end}) → ${slot.uid}, whose gmem is ${slot.gmem.file ?? 'NULL'}@${slot.gmem.pgoff}+${slot.npages}`)
      }
    }
  }
  for (const vm of Object.values(s.vms)) {
    for (const slot of boundSlots(vm)) {
      const f = s.files[slot.gmem.file!]
      if (!f || f.released) {
        c.add('bindings-coherent', `${vm.id}: memslot ${slot.uid} points at ${slot.gmem.file}, which is released`)
        continue
      }
      const covered = rangeQuery(f.bindings, slot.gmem.pgoff, slot.gmem.pgoff + slot.npages).filter((e) => e.value.slot === slot.uid)
      const n = covered.reduce((k, e) => k + e.end - e.start, 0)
      if (n !== slot.npages) c.add('bindings-coherent', `${vm.id}: memslot ${slot.uid} is bound to ${f.id} but the xarray holds ${n} of its ${slot.npages} pages`)
    }
  }
  // stage2-live, no-poisoned-mapping
  for (const vm of Object.values(s.vms)) {
    if (vm.destroyed && vm.stage2.length) c.add('stage2-live', `${vm.id}: destroyed with stage-2 mappings`)
    for (const e of vm.stage2) {
      const where = `${vm.id}: stage-2 gfn [0x${e.start.toString(16)}, 0x${e.end.toString(16)})`
      const slots = Object.values(vm.memslots).filter((m) => m.asId === 0 && extentsOverlap(m.baseGfn, m.baseGfn + m.npages, e.start, e.end))
      const covered = slots.reduce((k, m) => k + Math.min(m.baseGfn + m.npages, e.end) - Math.max(m.baseGfn, e.start), 0)
      if (covered !== e.end - e.start) {
        c.add('stage2-live', `${where} is not covered by a live memslot`)
        continue
      }
      if (e.value.backing !== 'gmem') continue
      const inodeId = e.value.inode
      const inode = inodeId ? s.inodes[inodeId] : undefined
      if (!inode || inode.evicted) {
        c.add('stage2-live', `${where} points at inode ${inodeId ?? 'NULL'}, which is gone`)
        continue
      }
      for (const m of slots) {
        const g0 = Math.max(m.baseGfn, e.start)
        const g1 = Math.min(m.baseGfn + m.npages, e.end)
        const file = m.gmem.file ? s.files[m.gmem.file] : undefined
        const index0 = e.value.index + (g0 - e.start)
        if (!(m.flags & GMEM_SLOT_FLAG) || !file || file.inode !== inodeId || !liveFile(s, file.id)) {
          c.add('stage2-live', `${where} maps guest_memfd pages through memslot ${m.uid}, which is not bound to a live file of ${inodeId}`)
          continue
        }
        if (m.gmem.pgoff + g0 - m.baseGfn !== index0) {
          c.add('stage2-live', `${where} maps file page ${index0} where memslot ${m.uid} binds page ${m.gmem.pgoff + g0 - m.baseGfn}`)
          continue
        }
        const xa = rangeQuery(file.bindings, index0, index0 + g1 - g0).filter((x) => x.value.slot === m.uid).reduce((k, x) => k + x.end - x.start, 0)
        if (xa !== g1 - g0) c.add('stage2-live', `${where}: file pages [${index0}, ${index0 + g1 - g0}) are not bound to ${m.uid} in the xarray`)
      }
      const folios = rangeQuery(inode.folios, e.value.index, e.value.index + e.end - e.start, FOLIO_LINEAR)
      const bad = folioMismatch(folios, e.value.index, e.value.pfn, e.end - e.start)
      if (bad) c.add('stage2-live', `${where} points at ${bad} of ${inodeId}`)
      if (folios.some((fo) => fo.value.hwpoison)) c.add('no-poisoned-mapping', `${where} maps a hardware-poisoned folio of ${inodeId}`)
    }
  }
  // refcounts
  for (const vm of Object.values(s.vms)) {
    if (vm.usersCount < 0) c.add('refcounts-non-negative', `${vm.id}: users_count ${vm.usersCount}`)
    if (vm.mmu.inProgress < 0) c.add('refcounts-non-negative', `${vm.id}: mmu_invalidate_in_progress ${vm.mmu.inProgress}`)
    if (vm.mmu.inProgress !== 0) c.add('invalidation-balanced', `${vm.id}: mmu_invalidate_in_progress is ${vm.mmu.inProgress} between operations`)
    const users = Object.values(s.files).filter((f) => f.vm === vm.id && f.fCount > 0 && !f.released).length
    if (!vm.destroyed && users !== vm.usersCount) c.add('refcounts-balanced', `${vm.id}: users_count ${vm.usersCount}, but ${users} live files hold the VM`)
    if (vm.destroyed && vm.usersCount !== 0) c.add('refcounts-balanced', `${vm.id}: destroyed with users_count ${vm.usersCount}`)
  }
}

function pagesOf(s: KernelState, inodeId: string): RangeMap<GunyahPage> {
  return s.gunyah.pages[inodeId] ?? []
}

function checkGunyah(s: KernelState, c: Collector): void {
  const v15 = s.variant === 'gunyah-v15'
  const bindings = Object.values(s.gunyah.bindings)
  // file-range-bound-once: bindings of one inode (any VM) never share file pages
  const byInode = new Map<string, GunyahBinding[]>()
  for (const b of bindings) byInode.set(b.inode, [...(byInode.get(b.inode) ?? []), b])
  for (const [inode, list] of byInode) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!
        const b = list[j]!
        if (extentsOverlap(a.iOff, a.iOff + a.nr, b.iOff, b.iOff + b.nr)) {
          c.add('file-range-bound-once', `${inode}: file pages of ${a.id} (${a.vm}) and ${b.id} (${b.vm}) overlap`)
        }
      }
    }
  }
  // gpa-bound-once and bindings-coherent: one VM's bindings are disjoint in gfn, and the VM tree,
  // the bindings and the file lists agree
  for (const vm of Object.values(s.gunyah.vms)) {
    const mine = bindings.filter((b) => b.vm === vm.id && !b.orphan)
    for (let i = 0; i < mine.length; i++) {
      for (let j = i + 1; j < mine.length; j++) {
        const a = mine[i]!
        const b = mine[j]!
        if (extentsOverlap(a.gfn, a.gfn + a.nr, b.gfn, b.gfn + b.nr)) c.add('gpa-bound-once', `${vm.id}: bindings ${a.id} and ${b.id} overlap in gfn`)
      }
    }
    for (const e of vm.bindings) {
      const b = s.gunyah.bindings[e.value.binding]
      if (!b || b.vm !== vm.id || e.start < b.gfn || e.end > b.gfn + b.nr) {
        c.add('bindings-coherent', `${vm.id}: tree entry [${e.start}, ${e.end}) → ${e.value.binding}, which does not cover it`)
      }
    }
    if (vm.destroyed && (vm.bindings.length || vm.mm.length)) c.add('stage2-live', `${vm.id}: destroyed with bindings or mappings`)
  }
  for (const b of bindings) {
    const inode = s.inodes[b.inode]
    if (!inode || !inode.privateList.includes(b.id)) c.add('bindings-coherent', `${b.id}: not on the file's i_private_list`)
    const vm = s.gunyah.vms[b.vm]
    const inTree = vm ? vm.bindings.filter((e) => e.value.binding === b.id).reduce((k, e) => k + e.end - e.start, 0) : 0
    if (b.orphan || inTree !== b.nr) c.add('bindings-coherent', `${b.id}: ${inTree} of its ${b.nr} gfns are in ${b.vm}'s tree${b.orphan ? ' (orphan)' : ''}`)
  }
  for (const inode of Object.values(s.inodes)) {
    for (const id of inode.privateList) {
      if (!s.gunyah.bindings[id]) c.add('bindings-coherent', `${inode.id}: i_private_list holds ${id}, which is freed`)
    }
  }
  // stage2-live, no-poisoned-mapping: ghvm->mm points at live folios of the VM's bindings
  for (const vm of Object.values(s.gunyah.vms)) {
    for (const e of vm.mm) {
      const where = `${vm.id}: mm gfn [0x${e.start.toString(16)}, 0x${e.end.toString(16)})`
      const inode = s.inodes[e.value.inode]
      if (!inode) {
        c.add('stage2-live', `${where} points at inode ${e.value.inode}, which is gone`)
        continue
      }
      const n = e.end - e.start
      const folios = rangeQuery(inode.folios, e.value.index, e.value.index + n, FOLIO_LINEAR)
      // a folio the hypervisor refuses to give back (inject reclaim_fails) is out of the host's
      // hands: it keeps its folio reference even after the page cache lets go of it
      const kept = s.gunyah.reclaimFails.some((k) => {
        const [v, g] = k.split(':')
        return v === vm.id && Number(g) >= e.start && Number(g) < e.end
      })
      const bad = folioMismatch(folios, e.value.index, e.value.pfn, n)
      if (bad && !kept) c.add('stage2-live', `${where} points at ${bad} of ${inode.id}`)
      if (!kept && folios.some((fo) => fo.value.hwpoison)) c.add('no-poisoned-mapping', `${where} maps a hardware-poisoned folio of ${inode.id}`)
      if (kept) continue
      // every gfn belongs to a binding of this VM that maps it to the same file page
      for (let g = e.start; g < e.end; ) {
        const t = rangeLoad(vm.bindings, g)
        const b = t ? s.gunyah.bindings[t.binding] : undefined
        const index = e.value.index + (g - e.start)
        if (!b || b.inode !== e.value.inode || g - b.gfn + b.iOff !== index) {
          c.add('stage2-live', `${where}: gfn 0x${g.toString(16)} is mapped without a binding of ${vm.id} that maps it to page ${index}`)
          break
        }
        g = Math.min(e.end, b.gfn + b.nr)
      }
      for (const p of rangeQuery(pagesOf(s, e.value.inode), e.value.index, e.value.index + n)) {
        const want = e.value.share ? 'shared' : 'lent'
        if (p.value.owner !== vm.id || p.value.access !== want) {
          c.add('stage2-live', `${where}: file pages [${p.start}, ${p.end}) are ${p.value.access} to ${p.value.owner}, not ${want} to ${vm.id}`)
        }
      }
    }
  }
  // lent-not-host-reachable: a lent page is private, out of the direct map, and (v17) in no host PTE
  for (const [inodeId, pages] of Object.entries(s.gunyah.pages)) {
    for (const p of pages) {
      if (p.value.access !== 'lent') continue
      if (!p.value.pgPrivate || p.value.directMap) {
        c.add('lent-not-host-reachable', `${inodeId}: lent pages [${p.start}, ${p.end}) are in the direct map or not PG_private`)
      }
      if (v15) continue // v15 records the PTE of the faulting access, which then aborts: checked per step
      for (const vma of Object.values(s.vmas)) {
        if (s.files[vma.file]?.inode !== inodeId) continue
        const ptes = rangeQuery(s.gunyah.ptes[vma.id] ?? [], p.start, p.end)
        if (ptes.length) c.add('lent-not-host-reachable', `${inodeId}: lent page ${ptes[0]!.start} is mapped by host PTEs of ${vma.id}`)
      }
    }
  }
}

function checkCommon(s: KernelState, c: Collector): void {
  const holders = new Map<string, number>()
  const hold = (id: string): void => {
    holders.set(id, (holders.get(id) ?? 0) + 1)
  }
  for (const fd of Object.values(s.fds)) hold(fd.file)
  for (const vma of Object.values(s.vmas)) hold(vma.file)
  if (s.variant === 'gunyah-v17') for (const b of Object.values(s.gunyah.bindings)) hold(b.file)
  for (const f of Object.values(s.files)) {
    if (f.fCount < 0) c.add('refcounts-non-negative', `${f.id}: f_count ${f.fCount}`)
    const n = holders.get(f.id) ?? 0
    if (n !== f.fCount) c.add('refcounts-balanced', `${f.id}: f_count ${f.fCount}, but ${n} fds, mappings and bindings hold it`)
    if (n > 0 && f.released) c.add('refcounts-balanced', `${f.id}: released while still held`)
  }
  for (const [id, fd] of Object.entries(s.fds)) {
    if (!s.files[fd.file]) c.add('refcounts-balanced', `fd ${id} refers to ${fd.file}, which does not exist`)
  }
  if (s.taint.length) c.add('no-oops', `the kernel is tainted: ${s.taint[0]}`)
}

/** Every invariant that fails in `state` (empty when all hold). */
export function checkInvariants(state: KernelState, opts: CheckOptions = {}): Violation[] {
  const c = new Collector(state.variant, opts.fixes ?? state.fixes)
  checkCommon(state, c)
  if (isGunyah(state.variant)) checkGunyah(state, c)
  else checkKvm(state, c)
  return c.out
}

/** The file page a host address falls in, through the VMA covering it. */
function hostPage(s: KernelState, addr: bigint): { inode: string; index: number } | null {
  const page = Number(addr >> 12n)
  const vma = Object.values(s.vmas).find((v) => page >= v.start && page < v.start + v.pages)
  const inode = vma ? s.files[vma.file]?.inode : null
  return vma && inode ? { inode, index: vma.pgoff + page - vma.start } : null
}

function isLent(s: KernelState, inode: string, index: number): string | null {
  if (isGunyah(s.variant)) {
    const p = rangeLoad(pagesOf(s, inode), index)
    return p?.access === 'lent' ? `lent to ${p.owner}` : null
  }
  for (const vm of Object.values(s.vms)) {
    for (const e of vm.stage2) {
      if (e.value.backing !== 'gmem' || e.value.inode !== inode) continue
      const gfn = e.start + index - e.value.index
      if (gfn < e.start || gfn >= e.end) continue
      if (rangeLoad(vm.attributes, gfn)?.private) return `mapped private in ${vm.id} at gfn 0x${gfn.toString(16)}`
    }
  }
  return null
}

/**
 * The invariants of one transition: the step released every lock it took (unless an oops ended
 * it), and a host access that completed did not touch a lent page.
 */
export function checkStep(before: KernelState, action: Action, output: { state: KernelState; result: StepResult }, opts: CheckOptions = {}): Violation[] {
  const c = new Collector(before.variant, opts.fixes ?? before.fixes)
  const r = output.result
  const oopsed = output.state.taint.length > before.taint.length
  const held = new Map<string, number>()
  for (const e of r.locks) {
    const k = `${e.task}|${e.cls}|${e.instance}`
    if (e.kind === 'acquire') held.set(k, (held.get(k) ?? 0) + 1)
    else if (e.kind === 'release') {
      const n = held.get(k) ?? 0
      if (n <= 0) c.add('locks-released', `${action.op}: ${e.fn} releases ${e.cls} (${e.instance}) it does not hold`)
      else held.set(k, n - 1)
    }
  }
  if (!oopsed) {
    for (const [k, n] of held) if (n > 0) c.add('locks-released', `${action.op} returned with ${k.split('|').slice(1).join(' ')} held`)
  }
  for (const [id, inode] of Object.entries(before.inodes)) {
    const after = output.state.inodes[id]
    if (!after || after.folios === inode.folios) continue
    for (const e of inode.folios) {
      for (const x of rangeQuery(after.folios, e.start, e.end, FOLIO_LINEAR)) {
        const want = e.value.pfn + (x.start - e.start)
        if (x.value.pfn !== want) {
          c.add('folios-stable', `${action.op}: page ${x.start} of ${id} had pfn 0x${want.toString(16)} and now has 0x${x.value.pfn.toString(16)} without leaving the page cache`)
          break
        }
      }
    }
  }
  if (action.op === 'host_access' && r.signal === null) {
    const addr = big(action.addr)
    for (const s of [before, output.state]) {
      const at = hostPage(s, addr)
      const lent = at ? isLent(s, at.inode, at.index) : null
      if (at && lent) {
        c.add('lent-not-host-reachable', `host_access(0x${addr.toString(16)}) completed on page ${at.index} of ${at.inode}, ${lent}`)
        break
      }
    }
  }
  return c.out
}
