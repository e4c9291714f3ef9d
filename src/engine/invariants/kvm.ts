/** The invariants of the KVM variants' state: bindings, memslots, stage 2, invalidation. */
import { rangeQuery } from '../rangemap'
import { FOLIO_LINEAR, type KernelState, type Memslot } from '../state'
import { boundSlots, Collector, extentsOverlap, folioMismatch, GMEM_SLOT_FLAG, liveFile } from './collector'

export function checkKvm(s: KernelState, c: Collector): void {
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
