/** Collecting violations, and the small predicates every check shares. */
import type { RangeMap } from '../rangemap'
import type { GunyahPage, KernelState, KvmVm, Memslot, Variant } from '../state'
import { KNOWN_BREAKERS, type InvariantId, type Violation } from './ids'

export interface CheckOptions {
  /** defaults to state.fixes: with fixes on, no violation names a seed bug */
  readonly fixes?: boolean
}

export function isGunyah(v: Variant): boolean {
  return v === 'gunyah-v15' || v === 'gunyah-v17'
}

export class Collector {
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

export const GMEM_SLOT_FLAG = 1 << 2 // KVM_MEM_PRIVATE (v11) = KVM_MEM_GUEST_MEMFD (6.18)

export function extentsOverlap(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1
}

/** Where the folios of [index, index + n) stop matching a mapping of pfn onwards: a missing folio or another pfn. */
export function folioMismatch(folios: readonly { start: number; end: number; value: { pfn: number } }[], index: number, pfn: number, n: number): string | null {
  let at = index
  for (const fo of folios) {
    if (fo.start !== at) break
    const want = pfn + (fo.start - index)
    if (fo.value.pfn !== want) return `file page ${at}, whose folio has pfn 0x${fo.value.pfn.toString(16)}, not the mapped 0x${want.toString(16)}`
    at = fo.end
  }
  return at === index + n ? null : `file page ${at}, which has no folio`
}

export function liveFile(s: KernelState, fileId: string | null): boolean {
  if (!fileId) return false
  const f = s.files[fileId]
  return !!f && !f.released && f.fCount > 0
}

/** Live memslots with a guest_memfd, by file. */
export function boundSlots(vm: KvmVm): Memslot[] {
  return Object.values(vm.memslots).filter((m) => m.flags & GMEM_SLOT_FLAG && m.gmem.file !== null)
}

export function pagesOf(s: KernelState, inodeId: string): RangeMap<GunyahPage> {
  return s.gunyah.pages[inodeId] ?? []
}
