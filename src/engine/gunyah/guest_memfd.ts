/**
 * drivers/virt/gunyah/guest_memfd.c: the file side. Create (S7), fallocate (S7, with v17's punch
 * of seed 000 l.185-192), host mmap (seed 000 l.134-181) and host fault (l.113-131), release
 * (l.197-206). v15 keeps the S7 base for mmap, fault and punch (semantics.md MM-G15, HF-G15, PH-G1).
 */
import type { OpCtx } from '../ctx'
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../errno'
import type { Vma } from '../state'
import { pageAligned, PAGE_SHIFT, toPages } from '../u64'
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE } from '../uapi'
import { allocFile, allocInode, fdAlloc, type FaultResult } from '../fs/file_table'
import { truncateInodePagesRange } from '../mm/filemap'
import { KernelOops } from '../oops'
import {
  folioTestPrivate,
  GHMF_ALLOW_HUGEPAGE,
  GHMF_CLOEXEC,
  GMEM_SRC,
  GUNYAH_GMEM,
  gunyahGuestMemIsLend,
  hex,
  inodeOfId,
  isV15,
  offToGfn,
  pageAt,
  privateList,
  S000,
  S7,
  setPages,
} from './common'
import { folioUnlock, gunyahGmemGetFolio, gunyahGmemGetFolioRange, recordPte, unmapMappingPages } from './folio'
import { gunyahV15ReclaimFileRange } from './binding_v15'
import { gunyahGmemLaunderFolio, invalidateInodePages2Range } from './launder'
import { gunyahVmReclaimRange } from './vm_mgr_mem'

/** gunyah_guest_mem_create() (S7): GUNYAH_CREATE_GUEST_MEM on /dev/gunyah. Returns the fd. */
export function gunyahGuestMemCreate(ctx: OpCtx, size: bigint, flags: bigint, label: string): number {
  return ctx.call('gunyah_guest_mem_create', () => {
    if (!pageAligned(size)) return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(args->size)', S7)
    if (flags & ~BigInt(GHMF_CLOEXEC | GHMF_ALLOW_HUGEPAGE)) {
      return ctx.refuse(-EINVAL, 'args->flags & ~(GHMF_CLOEXEC | GHMF_ALLOW_HUGEPAGE)', S7)
    }
    // anon_inode_create_getfile("[gh-gmem]", ...): a unique inode per guest memfd
    const inodeId = allocInode(ctx, 'anon_inodefs', toPages(size), Number(flags))
    const fileId = allocFile(ctx, { kind: GUNYAH_GMEM, label, vm: '', inode: inodeId })
    return fdAlloc(ctx, fileId, (flags & BigInt(GHMF_CLOEXEC)) !== 0n)
  })
}

/** gunyah_gmem_allocate() (S7): offset + len > i_size → -EINVAL; allocate under invalidate_lock (read). */
export function gunyahGmemAllocate(ctx: OpCtx, inodeId: string, offset: bigint, len: bigint): number {
  return ctx.call('gunyah_gmem_allocate', () => {
    const inode = inodeOfId(ctx, inodeId)
    // "Dedicated guest is immutable by default."
    if (offset + len > BigInt(inode.sizePages) << BigInt(PAGE_SHIFT)) {
      return ctx.refuse(-EINVAL, 'offset + len > i_size_read(inode)', S7)
    }
    ctx.lock('invalidateLock', inodeId, 'read')
    const end = toPages(offset + len)
    const got = gunyahGmemGetFolioRange(ctx, inodeId, toPages(offset), end)
    const r = got < end ? ctx.refuse(-ENOMEM, 'gunyah_gmem_get_folio() returned NULL', S7) : 0
    ctx.unlock('invalidateLock', inodeId)
    return r
  })
}

/**
 * gunyah_gmem_punch_hole(). v17 (seed 000 l.191): invalidate_inode_pages2_range(mapping, offset,
 * offset + len - 1) with byte offsets where page indices are expected (B-G17-6); each folio is
 * laundered from the VMs and -EBUSY reports one that could not be. v15 / S7 base:
 * truncate_inode_pages_range(), which frees the folios without asking the VMs.
 */
export function gunyahGmemPunchHole(ctx: OpCtx, inodeId: string, offset: bigint, len: bigint): number {
  return ctx.call('gunyah_gmem_punch_hole', () => {
    if (isV15(ctx)) {
      const start = toPages(offset + 4095n)
      const end = toPages(offset + len)
      const r = gunyahV15ReclaimFileRange(ctx, inodeId, start, end)
      if (r) return r
      unmapMappingPages(ctx, inodeId, start, end)
      for (const r of truncateInodePagesRange(ctx, inodeId, start, end, undefined, S7)) setPages(ctx, inodeId, r.start, r.end, null, S7)
      return 0
    }
    const bytes = ctx.asWritten('B-G17-6')
    const start = bytes ? offset : offset >> BigInt(PAGE_SHIFT)
    const end = bytes ? offset + len - 1n : (offset + len - 1n) >> BigInt(PAGE_SHIFT)
    const cap = (x: bigint): number => Number(x > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : x)
    if (bytes) ctx.info(`gunyah_guest_mem: invalidate_inode_pages2_range(mapping, ${hex(cap(start))}, ${hex(cap(end))}): byte offsets taken as page indices (B-G17-6)`)
    // The fix of B-G17-11: the caller takes invalidate_lock before any folio lock.
    const fixedOrder = !ctx.asWritten('B-G17-11')
    if (fixedOrder) ctx.lock('invalidateLock', inodeId, 'write')
    const r = invalidateInodePages2Range(ctx, inodeId, cap(start), cap(end))
    if (fixedOrder) ctx.unlock('invalidateLock', inodeId)
    return r
  })
}

/** gunyah_gmem_fallocate() (S7): the mode and alignment checks, then punch or allocate. */
export function gunyahGmemFallocate(ctx: OpCtx, fileId: string, mode: number, offset: bigint, len: bigint): number {
  return ctx.call('gunyah_gmem_fallocate', () => {
    if (!(mode & FALLOC_FL_KEEP_SIZE)) return ctx.refuse(-EOPNOTSUPP, '!(mode & FALLOC_FL_KEEP_SIZE)', S7)
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
      return ctx.refuse(-EOPNOTSUPP, 'mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)', S7)
    }
    // B-G17-14: ZERO_RANGE is accepted and then only allocates; the fix rejects it as KVM does.
    if (mode & FALLOC_FL_ZERO_RANGE && !isV15(ctx) && !ctx.asWritten('B-G17-14')) {
      return ctx.refuse(-EOPNOTSUPP, 'mode & FALLOC_FL_ZERO_RANGE: zeroing is not implemented (fix of B-G17-14)', S7)
    }
    if (!pageAligned(offset) || !pageAligned(len)) return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(len)', S7)
    const inodeId = ctx.s.files[fileId]!.inode!
    const ret = mode & FALLOC_FL_PUNCH_HOLE ? gunyahGmemPunchHole(ctx, inodeId, offset, len) : gunyahGmemAllocate(ctx, inodeId, offset, len)
    if (!ret) ctx.call('file_modified', () => undefined)
    return ret
  })
}

/**
 * gunyah_gmem_mmap() (seed 000 l.134): MAP_PRIVATE → -EINVAL; then, under invalidate_lock (read),
 * reclaim from the VMs every lend binding the VMA overlaps, with the range arithmetic of
 * l.161-168 (B-G17-5). v15: the S7 base, any mapping, no reclaim.
 */
export function gunyahGmemMmap(ctx: OpCtx, fileId: string, vma: Vma): number {
  return ctx.call('gunyah_gmem_mmap', () => {
    if (isV15(ctx)) {
      ctx.call('file_accessed', () => undefined)
      return 0
    }
    ctx.lock('mmapLock', 'vmm', 'write') // mmap_write_lock_killable() in vm_mmap_pgoff()
    const r = mmapLocked(ctx, ctx.s.files[fileId]!.inode!, vma)
    ctx.unlock('mmapLock', 'vmm')
    return r
  })
}

function mmapLocked(ctx: OpCtx, inodeId: string, vma: Vma): number {
  // "No support for private mappings to avoid COW."
  if (!vma.shared) return ctx.refuse(-EINVAL, '(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) != (VM_SHARED | VM_MAYSHARE)', `${S000} l.146`)
  ctx.lock('invalidateLock', inodeId, 'read')
  let ret = 0
  const vmEnd = vma.pgoff + vma.pages
  for (const b of privateList(ctx, inodeId)) {
    if (!gunyahGuestMemIsLend(b.flags)) continue
    let gfn: number
    let nr: number
    if (ctx.asWritten('B-G17-5')) {
      // l.161-168: `<` / `>` (adjacent VMAs overlap), gfn from vm_pgoff, end = max(...)
      if (vmEnd < b.iOff) continue
      if (vma.pgoff > b.iOff + b.nr) continue
      gfn = offToGfn(b, vma.pgoff)
      const endOff = Math.max(vmEnd, b.iOff + b.nr)
      nr = offToGfn(b, endOff) - gfn
      // a gfn below 0 wraps (u64): mt_for_each from there up to gfn + nr (wrapped) visits nothing
      if (gfn < 0) continue
    } else {
      const lo = Math.max(vma.pgoff, b.iOff)
      const hi = Math.min(vmEnd, b.iOff + b.nr)
      if (lo >= hi) continue
      gfn = offToGfn(b, lo)
      nr = hi - lo
    }
    ret = gunyahVmReclaimRange(ctx, b.vm, gfn, nr)
    if (ret) {
      ctx.because(`gunyah_vm_reclaim_range(ghvm, ${hex(gfn)}, ${hex(nr)}) failed: the mmap fails`, `${S000} l.169`)
      break
    }
  }
  ctx.unlock('invalidateLock', inodeId)
  if (!ret) ctx.call('file_accessed', () => undefined)
  return ret
}

/**
 * gunyah_gmem_host_fault() (seed 000 l.113): get (allocate) the folio; a lent one is laundered
 * or SIGBUS; then BUG_ON(folio_test_private(folio)), reachable (B-G17-12). No i_size check
 * (B-G17-13). v15: the S7 base fault; a lent page faults in, and the access itself aborts.
 */
export function gunyahGmemHostFault(ctx: OpCtx, vma: Vma, pgoff: number, write: boolean): FaultResult {
  return ctx.call('gunyah_gmem_host_fault', () => {
    const inodeId = ctx.s.files[vma.file]!.inode!
    ctx.lock('mmapLock', 'vmm', 'read') // the fault runs under mmap_read_lock (or the VMA lock)
    const r = hostFaultLocked(ctx, inodeId, vma, pgoff, write)
    ctx.unlock('mmapLock', 'vmm')
    return r
  })
}

function hostFaultLocked(ctx: OpCtx, inodeId: string, vma: Vma, pgoff: number, write: boolean): FaultResult {
  const sigbus = (why: string, seed: string): FaultResult => {
    ctx.because(why, seed)
    return { signal: 'SIGBUS' }
  }
  if (!isV15(ctx) && pgoff >= inodeOfId(ctx, inodeId).sizePages && !ctx.asWritten('B-G17-13')) {
    return sigbus('vmf->pgoff >= i_size: SIGBUS past EOF (fix of B-G17-13)', S000)
  }
  const fixedOrder = !isV15(ctx) && !ctx.asWritten('B-G17-11')
  if (fixedOrder) ctx.lock('invalidateLock', inodeId, 'read')
  const unlockInv = (): void => {
    if (fixedOrder) ctx.unlock('invalidateLock', inodeId)
  }
  const folio = gunyahGmemGetFolio(ctx, inodeId, pgoff)
  if (!folio) {
    unlockInv()
    return sigbus('gunyah_gmem_get_folio() returned NULL → VM_FAULT_SIGBUS', S7)
  }
  if (isV15(ctx)) {
    const page = pageAt(ctx, inodeId, pgoff)
    recordPte(ctx, vma, pgoff, write)
    folioUnlock(ctx, folio)
    if (page.access === 'lent') {
      ctx.err(`Unhandled fault: synchronous external abort at 0x${((BigInt(vma.start) + BigInt(pgoff - vma.pgoff)) << 12n).toString(16)}: the page is lent to ${page.owner} and unmapped from the host's stage 2`)
      return sigbus('v15 has no launder: the host touches a page it lent to the VM [inferred]', 'seed 001')
    }
    return { signal: null }
  }
  // seed 000 l.121: if (folio_test_private(folio) && gunyah_gmem_launder_folio(folio))
  if (folioTestPrivate(ctx, inodeId, folio.head)) {
    if (gunyahGmemLaunderFolio(ctx, inodeId, { start: folio.head, end: folio.head + folio.nr, nr: folio.nr })) {
      folioUnlock(ctx, folio)
      unlockInv()
      return sigbus('folio_test_private(folio) && gunyah_gmem_launder_folio(folio) → VM_FAULT_SIGBUS', `${S000} l.121`)
    }
  }
  // seed 000 l.127: "gunyah_gmem_launder_folio should clear the private bit if it returns 0"
  if (folioTestPrivate(ctx, inodeId, folio.head)) {
    throw new KernelOops(`kernel BUG at ${GMEM_SRC}:127! BUG_ON(folio_test_private(folio)) in gunyah_gmem_host_fault (index ${hex(folio.head)})`)
  }
  recordPte(ctx, vma, pgoff, write)
  folioUnlock(ctx, folio)
  unlockInv()
  return { signal: null }
}

/**
 * gunyah_gmem_release() (seed 000 l.197): "each binding increments refcount on file, so we
 * shouldn't be here if i_private_list not empty."
 */
export function gunyahGmemReleaseV17(ctx: OpCtx, fileId: string): void {
  ctx.call('gunyah_gmem_release', () => {
    const inodeId = ctx.s.files[fileId]!.inode!
    if (privateList(ctx, inodeId).length) {
      throw new KernelOops(`kernel BUG at ${GMEM_SRC}:203! BUG_ON(!list_empty(&inode->i_mapping->i_private_list))`)
    }
    ctx.s.files[fileId]!.released = true
    ctx.effect({ kind: 'file', id: fileId }, 'released: gunyah_gmem_release() (no binding holds the file)', `${S000} l.197`)
  })
}
