/**
 * RFC v15 bindings (seed 001, one long line: cited by function). The binding stores the inode and
 * holds no file reference; the VM tree is ghvm->mem_layout under ghvm->mem_lock. Overlap policy is
 * gunyah_gmem_binding_allowed_overlap() with its three bugs (B-G15-1..3); remove and release never
 * reclaim from the VM (B-G15-5/6) and touch the tree without its lock (B-G15-7).
 */
import type { OpCtx } from '../ctx'
import { EEXIST, EINVAL, ENOENT } from '../errno'
import type { GunyahBinding, OpenFile } from '../state'
import { truncateInodePagesRange } from '../mm/filemap'
import { bindingText, GMEM_SRC, gunyahGuestMemIsLend, offToGfn, privateList, S001, setPages } from './common'
import { unmapMappingPages } from './folio'
import { gunyahVmReclaimRange } from './vm_mgr_mem'
import { gunyahGmemAddMappingAs, gunyahGmemInitBinding, listDel, mtreeErase, mtreeInsertRange, type MapMemArgs, type NewBinding } from './binding'

const F = (fn: string): string => `${S001} ${fn}`

/** Reclaims [gfn, gfn + nr) exactly, as the fixes of B-G15-5/6 do (v15 itself has no reclaim). */
function reclaimFixed(ctx: OpCtx, vmId: string, gfn: number, nr: number): number {
  return gunyahVmReclaimRange(ctx, vmId, gfn, nr, true)
}

/**
 * Before v15 drops file pages (punch hole, generic_error_remove_folio), the fix of B-G15-9 takes
 * them back from every VM that maps them, as v17's launder does; as written the S7 base truncates
 * them while the guest still maps them. Returns the first reclaim error.
 */
export function gunyahV15ReclaimFileRange(ctx: OpCtx, inodeId: string, start: number, end: number): number {
  if (ctx.asWritten('B-G15-9')) return 0
  let ret = 0
  for (const b of privateList(ctx, inodeId)) {
    const lo = Math.max(start, b.iOff)
    const hi = Math.min(end, b.iOff + b.nr)
    if (lo >= hi) continue
    const r = reclaimFixed(ctx, b.vm, offToGfn(b, lo), hi - lo)
    if (r && !ret) ret = r
  }
  return ret
}

/** gunyah_gmem_remove_binding() (seed 001): mtree_erase(&ghvm->mem_layout), list_del, kfree. No lock, no reclaim, no fput. */
export function gunyahGmemRemoveBindingV15(ctx: OpCtx, b: GunyahBinding): void {
  ctx.call('gunyah_gmem_remove_binding', () => {
    mtreeErase(ctx, b.vm, b.gfn)
    listDel(ctx, b)
    delete ctx.s.gunyah.bindings[b.id]
    ctx.effect({ kind: 'gunyah-binding', id: b.id }, 'removed: kfree(b) after mtree_erase and list_del (no reclaim)', F('gunyah_gmem_remove_binding'))
    const kept = ctx.s.gunyah.vms[b.vm]?.mm.filter((e) => e.value.inode === b.inode && e.start < b.gfn + b.nr && b.gfn < e.end) ?? []
    if (kept.length) ctx.info(`gunyah_guest_mem: binding ${bindingText(b)} is gone but ${b.vm} still maps ${kept.reduce((n, e) => n + Math.min(e.end, b.gfn + b.nr) - Math.max(e.start, b.gfn), 0)} of its pages (no reclaim in v15)`)
  })
}

/**
 * gunyah_gmem_binding_allowed_overlap() (seed 001): false means "not allowed" → -EEXIST.
 * As written: the same-VM gfn test can never be true (B-G15-1); the same VM with a lend binding
 * refuses any second binding and allows overlapping shares (B-G15-3); across VMs disjoint file
 * ranges are refused and overlapping ones allowed (B-G15-2). Fixed: v17's rule.
 */
export function gunyahGmemBindingAllowedOverlap(ctx: OpCtx, a: NewBinding, b: GunyahBinding): boolean {
  return ctx.call('gunyah_gmem_binding_allowed_overlap', () => {
    const fileOverlap = a.iOff < b.iOff + b.nr && b.iOff < a.iOff + a.nr
    if (a.vm === b.vm) {
      // "Bindings can't overlap within a VM": a->gfn + a->nr <= b->gfn && a->gfn >= b->gfn + b->nr
      const gfnOverlap = a.gfn < b.gfn + b.nr && b.gfn < a.gfn + a.nr
      if (ctx.asWritten('B-G15-1')) {
        if (a.gfn + a.nr <= b.gfn && a.gfn >= b.gfn + b.nr) return false
      } else if (gfnOverlap) return false
    }
    if (a.inode === b.inode) {
      if (a.vm === b.vm) {
        if (ctx.asWritten('B-G15-3')) {
          if (gunyahGuestMemIsLend(a.flags) || gunyahGuestMemIsLend(b.flags)) return false
        } else if (fileOverlap) return false
      } else if (ctx.asWritten('B-G15-2')) {
        if (a.iOff + a.nr < b.iOff) return false
        if (a.iOff > b.iOff + b.nr) return false
      } else if (fileOverlap) return false
    }
    return true
  })
}

/** gunyah_gmem_add_mapping() (seed 001): like v17 without the direct-map check, with allowed_overlap. Leaks b on errors (B-G15-4). */
export function gunyahGmemAddMappingV15(ctx: OpCtx, vmId: string, file: OpenFile, args: MapMemArgs): number {
  return gunyahGmemAddMappingAs(ctx, vmId, file, args, {
    leakBug: 'B-G15-4',
    leakObject: 'struct gunyah_gmem_binding, 88 bytes',
    overlapRefusal: (c, b, tmp) =>
      gunyahGmemBindingAllowedOverlap(c, b, tmp)
        ? 0
        : c.refuse(-EEXIST, `!gunyah_gmem_binding_allowed_overlap(b, tmp) against ${bindingText(tmp)} of ${tmp.vm}`, F('gunyah_gmem_add_mapping')),
    cite: () => F('gunyah_gmem_add_mapping'),
  })
}

/**
 * gunyah_gmem_remove_mapping() (seed 001): an i_off mismatch keeps searching; full removal is
 * remove_binding (no mem_lock, B-G15-7), partial removal re-inserts under mem_lock. No reclaim (B-G15-5).
 */
export function gunyahGmemRemoveMappingV15(ctx: OpCtx, vmId: string, file: OpenFile, args: MapMemArgs): number {
  return ctx.call('gunyah_gmem_remove_mapping', () => {
    const argb = gunyahGmemInitBinding(ctx, vmId, file, args)
    if (typeof argb === 'number') return argb
    const inodeId = file.inode!
    const cite = F('gunyah_gmem_remove_mapping')
    ctx.lock('invalidateLock', inodeId, 'write')
    let ret: number | null = null
    for (const b of privateList(ctx, inodeId)) {
      if (b.vm !== argb.vm || b.flags !== argb.flags) continue
      if (b.gfn > argb.gfn) continue
      if (b.gfn + b.nr < argb.gfn + argb.nr) continue
      const startDelta = argb.gfn - b.gfn
      if (argb.iOff - b.iOff !== startDelta) continue
      // end_delta = argb.gfn + argb.nr - b->gfn - b->nr: <= 0, only tested against 0 (B-G15-8, benign)
      const endDelta = argb.gfn + argb.nr - b.gfn - b.nr
      const reclaim = (gfn: number, nr: number): number => (ctx.asWritten('B-G15-5') ? 0 : reclaimFixed(ctx, vmId, gfn, nr))
      if (!startDelta && !endDelta) {
        const locked = !ctx.asWritten('B-G15-7')
        if (locked) ctx.lock('memLock', vmId, 'write')
        ret = reclaim(b.gfn, b.nr)
        if (!ret) gunyahGmemRemoveBindingV15(ctx, b)
        if (locked) ctx.unlock('memLock', vmId)
      } else if (startDelta && !endDelta) {
        // "shrink the end": keeps [gfn, gfn + start_delta)
        ctx.lock('memLock', vmId, 'write')
        ret = reclaim(b.gfn + startDelta, b.nr - startDelta)
        if (!ret) {
          mtreeErase(ctx, vmId, b.gfn)
          ctx.s.gunyah.bindings[b.id] = { ...b, nr: startDelta }
          ctx.effect({ kind: 'gunyah-binding', id: b.id }, `trimmed: "shrink the end", b->nr = ${startDelta}`, cite)
          ret = mtreeInsertRange(ctx, vmId, ctx.s.gunyah.bindings[b.id] as GunyahBinding)
        }
        ctx.unlock('memLock', vmId)
      } else if (!startDelta && endDelta) {
        // "shrink the beginning": keeps the tail
        ctx.lock('memLock', vmId, 'write')
        ret = reclaim(b.gfn, argb.nr)
        if (!ret) {
          mtreeErase(ctx, vmId, b.gfn)
          ctx.s.gunyah.bindings[b.id] = { ...b, gfn: b.gfn + argb.nr, iOff: b.iOff + argb.nr, nr: b.nr - argb.nr }
          ctx.effect({ kind: 'gunyah-binding', id: b.id }, `trimmed: "Shrink the beginning", b->gfn += ${argb.nr}, b->nr = ${b.nr - argb.nr}`, cite)
          ret = mtreeInsertRange(ctx, vmId, ctx.s.gunyah.bindings[b.id] as GunyahBinding)
        }
        ctx.unlock('memLock', vmId)
      } else {
        ret = ctx.refuse(-EINVAL, 'start_delta && end_delta: "TODO: split the mapping into 2"', cite)
      }
      break
    }
    if (ret === null) ret = ctx.refuse(-ENOENT, 'no binding of this VM with these flags and a matching file offset contains the range', cite)
    ctx.unlock('invalidateLock', inodeId)
    return ret
  })
}

/**
 * gunyah_gmem_release() (seed 001): punch the whole file (truncate, no reclaim), then remove every
 * binding without any lock (B-G15-6). The fix reclaims each binding from its VM first, under
 * invalidate_lock and mem_lock.
 */
export function gunyahGmemReleaseV15(ctx: OpCtx, fileId: string): void {
  ctx.call('gunyah_gmem_release', () => {
    const inodeId = ctx.s.files[fileId]!.inode!
    const asWritten = ctx.asWritten('B-G15-6')
    if (!asWritten) {
      ctx.lock('invalidateLock', inodeId, 'write')
      for (const b of privateList(ctx, inodeId)) {
        ctx.lock('memLock', b.vm, 'write')
        if (reclaimFixed(ctx, b.vm, b.gfn, b.nr)) ctx.warn(GMEM_SRC, 'WARN_ON(gunyah_vm_reclaim_range(b->ghvm, b->gfn, b->nr))')
        gunyahGmemRemoveBindingV15(ctx, b)
        ctx.unlock('memLock', b.vm)
      }
      ctx.unlock('invalidateLock', inodeId)
    }
    // gunyah_gmem_punch_hole(inode, 0, U64_MAX) → truncate_inode_pages_range(): every folio
    ctx.call('gunyah_gmem_punch_hole', () => {
      unmapMappingPages(ctx, inodeId, 0, Number.MAX_SAFE_INTEGER)
      truncateInodePagesRange(ctx, inodeId, 0, Number.MAX_SAFE_INTEGER, undefined, F('gunyah_gmem_release'))
      setPages(ctx, inodeId, 0, Number.MAX_SAFE_INTEGER, null, F('gunyah_gmem_release'))
    })
    for (const b of privateList(ctx, inodeId)) gunyahGmemRemoveBindingV15(ctx, b)
    ctx.s.files[fileId]!.released = true
    ctx.effect({ kind: 'file', id: fileId }, 'released: gunyah_gmem_release() punched the file and removed its bindings', F('gunyah_gmem_release'))
  })
}
