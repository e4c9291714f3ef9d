/**
 * Each VM's guest physical address space as the app draws it, for KVM and Gunyah alike:
 * regions (memslots, or Gunyah bindings), memory attributes (KVM) and what stage 2 maps.
 */
import type { KernelState } from '../state'
import { flagNames, type ConstantTable } from '../uapi'
import { gunyahAccess } from './bindings'

/** How a gfn is backed in stage 2: private guest_memfd memory, shared guest memory, or host (hva) memory. */
export type MappingKind = 'private' | 'shared' | 'hva'

export interface Region {
  /** memslot uid or Gunyah binding id */
  readonly id: string
  readonly kind: 'memslot' | 'binding'
  readonly start: number
  readonly end: number
  readonly label: string
  readonly flags: string
  /** KVM: the memslot has KVM_MEM_PRIVATE; Gunyah: the binding lends */
  readonly private: boolean
}

export interface AddressSpace {
  readonly id: string
  readonly label: string
  readonly family: 'kvm' | 'gunyah'
  readonly status: '' | 'destroyed' | 'started'
  readonly regions: readonly Region[]
  /** KVM memory attributes (private gfns); empty for Gunyah */
  readonly privateAttr: readonly { start: number; end: number }[]
  readonly hasAttributes: boolean
  readonly mappings: readonly { start: number; end: number; kind: MappingKind; writable: boolean }[]
}

export function addressSpaces(state: KernelState, constants: ConstantTable): AddressSpace[] {
  const out: AddressSpace[] = []
  const privateFlag = constants.memslotFlags?.KVM_MEM_PRIVATE ?? 0
  for (const vm of Object.values(state.vms)) {
    const regions: Region[] = Object.values(vm.memslots)
      .sort((a, b) => a.baseGfn - b.baseGfn)
      .map((s) => ({
        id: s.uid,
        kind: 'memslot' as const,
        start: s.baseGfn,
        end: s.baseGfn + s.npages,
        label: `slot ${s.asId ? `${s.asId}:` : ''}${s.id}${privateFlag && s.flags & privateFlag && s.gmem.file === null ? ' · no file' : ''}`,
        flags: flagNames(s.flags, constants.memslotFlags ?? {}),
        private: Boolean(privateFlag && s.flags & privateFlag),
      }))
    out.push({
      id: vm.id,
      label: vm.label,
      family: 'kvm',
      status: vm.destroyed ? 'destroyed' : '',
      regions,
      privateAttr: vm.attributes.filter((e) => e.value.private).map((e) => ({ start: e.start, end: e.end })),
      hasAttributes: true,
      mappings: vm.stage2.map((e) => ({
        start: e.start,
        end: e.end,
        kind: e.value.backing === 'gmem' ? 'private' : 'hva',
        writable: e.value.writable,
      })),
    })
  }
  for (const vm of Object.values(state.gunyah?.vms ?? {})) {
    const regions: Region[] = []
    for (const e of vm.bindings) {
      const b = state.gunyah.bindings[e.value.binding]
      const access = b ? gunyahAccess(b.flags) : 'lend'
      regions.push({
        id: `${e.value.binding}@${e.start}`,
        kind: 'binding',
        start: e.start,
        end: e.end,
        label: `${e.value.binding} (${access})`,
        flags: b ? flagNames(b.flags, constants.gunyahMapFlags ?? {}) : '',
        private: access === 'lend',
      })
    }
    out.push({
      id: vm.id,
      label: vm.label,
      family: 'gunyah',
      status: vm.destroyed ? 'destroyed' : vm.started ? 'started' : '',
      regions,
      privateAttr: [],
      hasAttributes: false,
      mappings: vm.mm.map((e) => ({ start: e.start, end: e.end, kind: e.value.share ? 'shared' : 'private', writable: e.value.write })),
    })
  }
  return out
}

/** The gfn span of a space worth drawing: its regions, else its mappings, else [0, 512). */
export function spaceDomain(space: AddressSpace): [number, number] {
  const spans = space.regions.length ? space.regions : [...space.mappings, ...space.privateAttr]
  if (!spans.length) return [0, 512]
  return [Math.min(...spans.map((s) => s.start)), Math.max(...spans.map((s) => s.end))]
}
