/** Bindings: which gfn range of which VM is backed by which file range, with its flags. */
import type { KernelState, Memslot } from '../state'
import { flagNames, type ConstantTable } from '../uapi'
import { GUNYAH_MEM_ACCESS_MASK, GUNYAH_MEM_ALLOW_EXEC, GUNYAH_MEM_ALLOW_READ, GUNYAH_MEM_ALLOW_WRITE, GUNYAH_MEM_FORCE_SHARE } from '../gunyah/common'

export interface BindingView {
  readonly id: string
  readonly vm: string
  readonly inode: string
  readonly fileLabel: string
  /** gfn range */
  readonly gfn: readonly [number, number]
  /** file page range */
  readonly pages: readonly [number, number]
  /** lend / share (Gunyah), private (KVM) */
  readonly access: 'lend' | 'share' | 'private'
  /** R, W, X as allowed ("RW-") */
  readonly rwx: string
  readonly flags: string
  /** what holds it: memslot or binding label */
  readonly owner: string
  /** the memslot was freed (KVM) or the binding left the VM tree (Gunyah) while the file still points at it */
  readonly stale: boolean
  readonly label: string
}

/** seed 000 gunyah_guest_mem_is_lend(): only FORCE_SHARE shares. */
export function gunyahAccess(flags: number): 'lend' | 'share' {
  return (flags & GUNYAH_MEM_ACCESS_MASK) === GUNYAH_MEM_FORCE_SHARE ? 'share' : 'lend'
}

function rwx(r: boolean, w: boolean, x: boolean): string {
  return `${r ? 'R' : '-'}${w ? 'W' : '-'}${x ? 'X' : '-'}`
}

function hex(n: number): string {
  return `0x${n.toString(16)}`
}

function findSlot(state: KernelState, vmId: string, uid: string): { slot: Memslot; stale: boolean } | null {
  const vm = state.vms[vmId]
  if (!vm) return null
  const live = Object.values(vm.memslots).find((s) => s.uid === uid)
  if (live) return { slot: live, stale: false }
  const freed = vm.freedMemslots[uid]
  return freed ? { slot: freed, stale: true } : null
}

export function bindingViews(state: KernelState, constants: ConstantTable): BindingView[] {
  const out: BindingView[] = []
  const ro = constants.memslotFlags?.KVM_MEM_READONLY ?? 0
  for (const file of Object.values(state.files)) {
    if (file.kind !== 'kvm-gmem' || file.released || !file.inode) continue
    for (const b of file.bindings) {
      const found = findSlot(state, file.vm, b.value.slot)
      if (!found) continue
      const { slot, stale } = found
      const g0 = slot.baseGfn + (b.start - slot.gmem.pgoff)
      const g1 = g0 + (b.end - b.start)
      const flags = flagNames(slot.flags, constants.memslotFlags ?? {})
      out.push({
        id: `${file.id}:${b.start}`,
        vm: file.vm,
        inode: file.inode,
        fileLabel: file.label,
        gfn: [g0, g1],
        pages: [b.start, b.end],
        access: 'private',
        rwx: rwx(true, !(ro && slot.flags & ro), true),
        flags,
        owner: `slot ${slot.id}`,
        stale,
        label: `slot ${slot.id}: gfn ${hex(g0)}–${hex(g1)} ↔ ${file.label} pages ${hex(b.start)}–${hex(b.end)} · private · ${flags}${stale ? ' (freed slot)' : ''}`,
      })
    }
  }
  for (const b of Object.values(state.gunyah?.bindings ?? {})) {
    const file = state.files[b.file]
    const access = gunyahAccess(b.flags)
    const perms = rwx(Boolean(b.flags & GUNYAH_MEM_ALLOW_READ), Boolean(b.flags & GUNYAH_MEM_ALLOW_WRITE), Boolean(b.flags & GUNYAH_MEM_ALLOW_EXEC))
    const fileLabel = file?.label ?? b.inode
    out.push({
      id: b.id,
      vm: b.vm,
      inode: b.inode,
      fileLabel,
      gfn: [b.gfn, b.gfn + b.nr],
      pages: [b.iOff, b.iOff + b.nr],
      access,
      rwx: perms,
      flags: flagNames(b.flags, constants.gunyahMapFlags ?? {}),
      owner: b.id,
      stale: b.orphan,
      label: `${b.id}: gfn ${hex(b.gfn)}–${hex(b.gfn + b.nr)} ↔ ${fileLabel} pages ${hex(b.iOff)}–${hex(b.iOff + b.nr)} · ${access} · ${perms}${b.orphan ? ' (orphan)' : ''}`,
    })
  }
  return out
}
