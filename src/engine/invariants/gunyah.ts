/** The invariants of the Gunyah variants' state: bindings, ghvm->mm, page ownership. */
import { rangeLoad, rangeQuery } from '../rangemap'
import { FOLIO_LINEAR, type GunyahBinding, type KernelState } from '../state'
import { Collector, extentsOverlap, folioMismatch, pagesOf } from './collector'

export function checkGunyah(s: KernelState, c: Collector): void {
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
