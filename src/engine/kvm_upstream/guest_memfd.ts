/**
 * virt/kvm/guest_memfd.c as in Linux 6.18 (kvm-upstream), and as seed 004 (KVM v14 08/21) leaves
 * it on the mid-2025 tree (kvm-v14-mmap): create, fallocate, release, bind/unbind, get_pfn,
 * error_folio, mmap and the host fault. The file side keeps the v11 model (an OpenFile of kind
 * 'kvm-gmem' holds `struct kvm_gmem`, the Inode holds the memory and the creation flags).
 *
 * Where upstream fixed a v11 bug (B-K1 release order, B-K2 balanced invalidation, B-K3 poison,
 * B-K9 ERR_PTR, B-K11 size 0, B-K13 hwpoison) there is no decision point: upstream has one path.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EBADF, EFAULT, EHWPOISON, EINVAL, EIO, ENODEV, ENOMEM, EOPNOTSUPP } from '../errno'
import { rangeFind, rangeLoad, rangeQuery, rangeStore } from '../rangemap'
import { FOLIO_LINEAR, type Binding, type Memslot, type OpenFile, type Vma } from '../state'
import { pageAligned, PAGE_SHIFT, toPages } from '../u64'
import { KVM_X86_DEFAULT_VM } from '../uapi'
import { filemapGrabFolioRange, folioMarkUptodate, inodeOf, lockFolioExtent, truncateInodePagesRange } from '../mm/filemap'
import { allocFile, allocInode, fdAlloc, fdget, fileOf } from '../fs/file_table'
import { kvmFlushRemoteTlbs, kvmMmuInvalidateBegin, kvmMmuInvalidateEnd, kvmMmuLock, kvmMmuUnlock, kvmMmuUnmapGfnRange, vmOf } from '../kvm/mmu'
import { slotByUid } from '../kvm/memslot'
import { kvmGetKvm, kvmPutKvm } from '../kvm/kvm_lifetime'
import { KVM_GMEM } from '../kvm/guest_mem'
import type { Signal } from '../result'
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, KVM_MEMSLOT_GMEM_ONLY } from './uapi'

/** Rule citation for a 6.18 function (or seed 004 for the v14 variant's own rules). */
export function up(ctx: OpCtx, fn: string): string {
  return ctx.s.variant === 'kvm-v14-mmap' ? `seed 004 / mid-2025 ${fn}` : `upstream ${fn} (6.18)`
}

export function isV14(ctx: OpCtx): boolean {
  return ctx.s.variant === 'kvm-v14-mmap'
}

const END_OF_FILE = Number.MAX_SAFE_INTEGER

/** kvm_arch_has_private_mem(): x86, any VM type but KVM_X86_DEFAULT_VM. */
export function hasPrivateMem(ctx: OpCtx, vmId: string): boolean {
  return vmOf(ctx, vmId).type !== KVM_X86_DEFAULT_VM
}

/**
 * kvm_gmem_get_supported_flags(): 6.18 — MMAP always, INIT_SHARED if !kvm or the VM has no
 * private memory (kvm_arch_supports_gmem_init_shared). v14 (seed 004 + 14/21): MMAP only where
 * kvm_arch_supports_gmem_mmap(), i.e. x86 KVM_X86_DEFAULT_VM; INIT_SHARED does not exist.
 */
export function kvmGmemGetSupportedFlags(ctx: OpCtx, vmId: string | null): number {
  if (isV14(ctx)) return vmId === null || !hasPrivateMem(ctx, vmId) ? GUEST_MEMFD_FLAG_MMAP : 0
  let flags = GUEST_MEMFD_FLAG_MMAP
  if (vmId === null || !hasPrivateMem(ctx, vmId)) flags |= GUEST_MEMFD_FLAG_INIT_SHARED
  return flags
}

function inodeFlags(ctx: OpCtx, inodeId: string): number {
  return inodeOf(ctx, inodeId).flags
}

/** kvm_gmem_supports_mmap() */
export function kvmGmemSupportsMmap(ctx: OpCtx, inodeId: string): boolean {
  return (inodeFlags(ctx, inodeId) & GUEST_MEMFD_FLAG_MMAP) !== 0
}

/** kvm_gmem_create(): KVM_CREATE_GUEST_MEMFD. Returns the fd. */
export function kvmGmemCreate(ctx: OpCtx, vmId: string, size: bigint, flags: bigint, label: string): number {
  return ctx.call('kvm_gmem_create', () => {
    if (flags & ~BigInt(kvmGmemGetSupportedFlags(ctx, vmId))) {
      return ctx.refuse(-EINVAL, 'flags & ~kvm_gmem_get_supported_flags(kvm)', up(ctx, 'kvm_gmem_create'))
    }
    if (size <= 0n || !pageAligned(size)) return ctx.refuse(-EINVAL, 'size <= 0 || !PAGE_ALIGNED(size)', up(ctx, 'kvm_gmem_create'))
    return ctx.call('__kvm_gmem_create', () => {
      const inodeId = allocInode(ctx, 'guest_memfd', toPages(size), Number(flags))
      const fileId = allocFile(ctx, { kind: KVM_GMEM, label, vm: vmId, inode: inodeId })
      kvmGetKvm(ctx, vmId)
      ctx.s.inodes[inodeId]!.privateList.unshift(fileId)
      ctx.effect({ kind: 'inode', id: inodeId }, `list_add(&f->entry, &inode->i_mapping->i_private_list): ${fileId}`, up(ctx, '__kvm_gmem_create'))
      return fdAlloc(ctx, fileId, false)
    })
  })
}

/** The slot a binding points at (live or, after a delete that raced, freed). */
function slotOf(ctx: OpCtx, vmId: string, uid: string): Memslot {
  const found = slotByUid(vmOf(ctx, vmId), uid)
  if (!found) throw new Error(`engine bug: binding to unknown memslot ${uid}`)
  return found.slot
}

/**
 * __kvm_gmem_invalidate_begin(): zap the bound gfns of [start, end) of one file, taking
 * KVM_MMU_LOCK and counting invalidate_begin only if a binding overlaps (the fix of B-K2).
 * The attribute filter (PRIVATE, or SHARED for INIT_SHARED; v14: always PRIVATE) only selects
 * mirror roots, which exist for TDX alone: on these VM types every SPTE in the range is zapped.
 */
export function gmemInvalidateBegin(ctx: OpCtx, fileId: string, start: number, end: number): void {
  ctx.call('__kvm_gmem_invalidate_begin', () => {
    const file = fileOf(ctx, fileId)
    const vmId = file.vm
    let found = false
    let flush = false
    const seen = new Set<string>()
    for (const e of rangeQuery(file.bindings, start, end)) {
      if (seen.has(e.value.slot)) continue
      seen.add(e.value.slot)
      const slot = slotOf(ctx, vmId, e.value.slot)
      if (!found) {
        found = true
        kvmMmuLock(ctx, vmId)
        kvmMmuInvalidateBegin(ctx, vmId)
      }
      const pgoff = slot.gmem.pgoff
      flush = kvmMmuUnmapGfnRange(ctx, vmId, slot.baseGfn + Math.max(pgoff, start) - pgoff, slot.baseGfn + Math.min(pgoff + slot.npages, end) - pgoff) || flush
    }
    if (flush) kvmFlushRemoteTlbs(ctx, vmId)
    if (found) kvmMmuUnlock(ctx, vmId)
  })
}

/** __kvm_gmem_invalidate_end(): invalidate_end iff xa_find() finds a binding in [start, end). */
export function gmemInvalidateEnd(ctx: OpCtx, fileId: string, start: number, end: number): void {
  ctx.call('__kvm_gmem_invalidate_end', () => {
    const file = fileOf(ctx, fileId)
    if (rangeFind(file.bindings, start, end)) {
      kvmMmuLock(ctx, file.vm)
      kvmMmuInvalidateEnd(ctx, file.vm)
      kvmMmuUnlock(ctx, file.vm)
    }
  })
}

function forEachFile(ctx: OpCtx, inodeId: string, fn: (fileId: string) => void): void {
  for (const g of [...inodeOf(ctx, inodeId).privateList]) fn(g)
}

/** kvm_gmem_punch_hole(): invalidate_lock (write) → begin → truncate → end. Returns 0. */
function kvmGmemPunchHole(ctx: OpCtx, inodeId: string, offset: bigint, len: bigint): number {
  return ctx.call('kvm_gmem_punch_hole', () => {
    const start = toPages(offset)
    const end = toPages(offset + len)
    ctx.lock('invalidateLock', inodeId, 'write')
    ctx.call('kvm_gmem_invalidate_begin', () => forEachFile(ctx, inodeId, (g) => gmemInvalidateBegin(ctx, g, start, end)))
    truncateInodePagesRange(ctx, inodeId, start, end, undefined, up(ctx, 'kvm_gmem_punch_hole'))
    ctx.call('kvm_gmem_invalidate_end', () => forEachFile(ctx, inodeId, (g) => gmemInvalidateEnd(ctx, g, start, end)))
    ctx.unlock('invalidateLock', inodeId)
    return 0
  })
}

/** kvm_gmem_allocate(): "Dedicated guest is immutable by default", then folios under invalidate_lock (read). */
function kvmGmemAllocate(ctx: OpCtx, inodeId: string, offset: bigint, len: bigint): number {
  return ctx.call('kvm_gmem_allocate', () => {
    if (offset + len > BigInt(inodeOf(ctx, inodeId).sizePages) << BigInt(PAGE_SHIFT)) {
      return ctx.refuse(-EINVAL, 'offset + len > i_size_read(inode)', up(ctx, 'kvm_gmem_allocate'))
    }
    ctx.lock('invalidateLock', inodeId, 'read')
    const got = ctx.call('kvm_gmem_get_folio', () => filemapGrabFolioRange(ctx, inodeId, toPages(offset), toPages(offset + len)))
    ctx.unlock('invalidateLock', inodeId)
    // allocation leaves folios !uptodate: they are zeroed when first handed out (prepare / fault)
    return got.r < 0 ? ctx.refuse(-ENOMEM, 'IS_ERR(folio): PTR_ERR(folio)', up(ctx, 'kvm_gmem_allocate')) : 0
  })
}

/** kvm_gmem_fallocate() */
export function kvmGmemFallocate(ctx: OpCtx, fileId: string, mode: number, offset: bigint, len: bigint): number {
  return ctx.call('kvm_gmem_fallocate', () => {
    const KEEP = 0x01
    const PUNCH = 0x02
    const src = up(ctx, 'kvm_gmem_fallocate')
    if (!(mode & KEEP)) return ctx.refuse(-EOPNOTSUPP, '!(mode & FALLOC_FL_KEEP_SIZE)', src)
    if (mode & ~(KEEP | PUNCH)) return ctx.refuse(-EOPNOTSUPP, 'mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)', src)
    if (!pageAligned(offset) || !pageAligned(len)) return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(len)', src)
    const inodeId = fileOf(ctx, fileId).inode!
    return mode & PUNCH ? kvmGmemPunchHole(ctx, inodeId, offset, len) : kvmGmemAllocate(ctx, inodeId, offset, len)
  })
}

/**
 * kvm_gmem_release(): slots_lock → invalidate_lock (the fixed order, B-K1) → clear each bound
 * slot's file → invalidate (0, -1) → list_del → unlock both → kvm_put_kvm().
 */
export function kvmGmemRelease(ctx: OpCtx, fileId: string): void {
  ctx.call('kvm_gmem_release', () => {
    const file = fileOf(ctx, fileId)
    const vmId = file.vm
    const inodeId = file.inode!
    ctx.lock('slotsLock', vmId)
    ctx.lock('invalidateLock', inodeId, 'write')
    const vm = ctx.s.vms[vmId]!
    for (const e of file.bindings) {
      // WRITE_ONCE(slot->gmem.file, NULL)
      for (const [key, s] of Object.entries(vm.memslots)) {
        if (s.uid !== e.value.slot) continue
        s.gmem.file = null
        ctx.effect({ kind: 'memslot', vm: vmId, key }, 'WRITE_ONCE(slot->gmem.file, NULL)', up(ctx, 'kvm_gmem_release'))
      }
    }
    gmemInvalidateBegin(ctx, fileId, 0, END_OF_FILE)
    gmemInvalidateEnd(ctx, fileId, 0, END_OF_FILE)
    const inode = ctx.s.inodes[inodeId]!
    inode.privateList = inode.privateList.filter((g) => g !== fileId)
    ctx.effect({ kind: 'inode', id: inodeId }, `list_del(&f->entry): ${fileId} leaves i_mapping->i_private_list`, up(ctx, 'kvm_gmem_release'))
    ctx.unlock('invalidateLock', inodeId)
    ctx.unlock('slotsLock', vmId)
    const f = ctx.s.files[fileId]!
    const b = f.bindings
    if (b.length) ctx.effect({ kind: 'binding', file: fileId, start: b[0]!.start, end: b[b.length - 1]!.end }, 'xa_destroy(&f->bindings)', up(ctx, 'kvm_gmem_release'))
    f.bindings = []
    f.released = true
    ctx.effect({ kind: 'file', id: fileId }, 'released: kvm_gmem_release() frees the gmem_file', up(ctx, 'kvm_gmem_release'))
    kvmPutKvm(ctx, vmId)
  })
}

/** A memslot being built: kvm_gmem_bind() writes its gmem fields and GMEM_ONLY flag in place. */
export interface NewSlot {
  readonly uid: string
  readonly npages: number
  flags: number
  readonly gmem: { file: string | null; pgoff: number }
}

/** kvm_gmem_bind() (6.18): -EBADF for a closed fd, -EINVAL for everything else. */
export function kvmGmemBind(ctx: OpCtx, vmId: string, slot: NewSlot, fd: bigint, offset: bigint): number {
  return ctx.call('kvm_gmem_bind', () => {
    ctx.assertHeld('slotsLock', vmId)
    const src = up(ctx, 'kvm_gmem_bind')
    const size = BigInt(slot.npages) << BigInt(PAGE_SHIFT)
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'file = fget(fd) is NULL', src)
    if (file.kind !== KVM_GMEM) return ctx.refuse(-EINVAL, 'file->f_op != &kvm_gmem_fops', src)
    if (file.vm !== vmId) return ctx.refuse(-EINVAL, 'gmem->kvm != kvm', src)
    const inodeId = file.inode!
    if (offset < 0n || !pageAligned(offset) || offset + size > BigInt(inodeOf(ctx, inodeId).sizePages) << BigInt(PAGE_SHIFT)) {
      return ctx.refuse(-EINVAL, 'offset < 0 || !PAGE_ALIGNED(offset) || offset + size > i_size_read(inode)', src)
    }
    ctx.lock('invalidateLock', inodeId, 'write')
    const start = toPages(offset)
    const end = start + slot.npages
    if (rangeFind(file.bindings, start, end)) {
      ctx.unlock('invalidateLock', inodeId)
      return ctx.refuse(-EINVAL, 'xa_find(&gmem->bindings, &start, end - 1, XA_PRESENT): the file range is already bound', src)
    }
    slot.gmem.file = file.id
    slot.gmem.pgoff = start
    if (kvmGmemSupportsMmap(ctx, inodeId)) slot.flags |= KVM_MEMSLOT_GMEM_ONLY
    const f = ctx.s.files[file.id]!
    f.bindings = castDraft(rangeStore(f.bindings as OpenFile['bindings'], start, end, { slot: slot.uid } as Binding))
    ctx.effect({ kind: 'binding', file: file.id, start, end }, `bound: xa_store_range(&f->bindings, start, end - 1, slot ${slot.uid})`, src)
    ctx.unlock('invalidateLock', inodeId)
    return 0
  })
}

/** kvm_gmem_unbind(): nothing if the file was closed; else erase the range under invalidate_lock. */
export function kvmGmemUnbind(ctx: OpCtx, slot: NewSlot): void {
  ctx.call('kvm_gmem_unbind', () => {
    const fileId = slot.gmem.file
    if (!fileId) return
    const file = ctx.s.files[fileId]!
    const start = slot.gmem.pgoff
    const end = start + slot.npages
    const erase = (): void => {
      const f = ctx.s.files[fileId]!
      f.bindings = castDraft(rangeStore(f.bindings as OpenFile['bindings'], start, end, null))
      ctx.effect({ kind: 'binding', file: fileId, start, end }, 'unbound: xa_store_range(&f->bindings, start, end - 1, NULL)', up(ctx, '__kvm_gmem_unbind'))
      slot.gmem.file = null
    }
    // get_file_active(): a dying file (f_count 0) is unbound without invalidate_lock (S16)
    if (file.released || file.fCount <= 0) return ctx.call('__kvm_gmem_unbind', erase)
    ctx.lock('invalidateLock', file.inode!, 'write')
    ctx.call('__kvm_gmem_unbind', erase)
    ctx.unlock('invalidateLock', file.inode!)
  })
}

export interface PfnResult {
  readonly r: number
  readonly inode: string | null
  readonly index: number
  readonly pfn: number
}

/**
 * kvm_gmem_get_pfn() for one gfn: the file (get_file_active), the binding, the folio (allocated
 * and zeroed — "prepared" — if needed), and -EHWPOISON for a poisoned folio (the fix of B-K13).
 */
export function kvmGmemGetPfn(ctx: OpCtx, slot: Memslot, gfn: number): PfnResult {
  return ctx.call('kvm_gmem_get_pfn', () => {
    const src = up(ctx, 'kvm_gmem_get_pfn')
    const index = gfn - slot.baseGfn + slot.gmem.pgoff
    const fail = (r: number): PfnResult => ({ r, inode: null, index, pfn: 0 })
    const fileId = slot.gmem.file
    const file = fileId ? ctx.s.files[fileId] : undefined
    if (!file || file.released || file.fCount <= 0) return fail(ctx.refuse(-EFAULT, 'kvm_gmem_get_file(slot) is NULL: the guest_memfd was closed', src))
    const inodeId = file.inode!
    return ctx.call('__kvm_gmem_get_pfn', () => {
      if (rangeLoad(file.bindings, index)?.slot !== slot.uid) return fail(ctx.refuse(-EIO, 'xa_load(&f->bindings, index) != slot', src))
      const got = ctx.call('kvm_gmem_get_folio', () => filemapGrabFolioRange(ctx, inodeId, index, index + 1))
      if (got.r < 0) return fail(ctx.refuse(-ENOMEM, 'IS_ERR(folio)', src))
      const folio = rangeLoad(inodeOf(ctx, inodeId).folios, index, FOLIO_LINEAR)!
      if (folio.hwpoison) return fail(ctx.refuse(-EHWPOISON, 'folio_test_hwpoison(folio)', src))
      if (!folio.uptodate) ctx.call('kvm_gmem_prepare_folio', () => lockFolioExtent(ctx, inodeId, index, index + 1, () => folioMarkUptodate(ctx, inodeId, index, index + 1, up(ctx, 'kvm_gmem_prepare_folio'))))
      return { r: 0, inode: inodeId, index, pfn: folio.pfn }
    })
  })
}

/** kvm_gmem_error_folio(): invalidate_lock (read) → begin/end → MF_DELAYED; the page stays. */
export function kvmGmemErrorFolio(ctx: OpCtx, inodeId: string, index: number): 'delayed' {
  return ctx.call('kvm_gmem_error_folio', () => {
    ctx.lock('invalidateLock', inodeId, 'read')
    ctx.call('kvm_gmem_invalidate_begin', () => forEachFile(ctx, inodeId, (g) => gmemInvalidateBegin(ctx, g, index, index + 1)))
    // "Do not truncate the range, what action is taken in response to the error is userspace's decision"
    ctx.call('kvm_gmem_invalidate_end', () => forEachFile(ctx, inodeId, (g) => gmemInvalidateEnd(ctx, g, index, index + 1)))
    ctx.unlock('invalidateLock', inodeId)
    return 'delayed'
  })
}

/** kvm_gmem_mmap(): -ENODEV without GUEST_MEMFD_FLAG_MMAP, -EINVAL unless MAP_SHARED. */
export function kvmGmemMmap(ctx: OpCtx, fileId: string, vma: Vma): number {
  return ctx.call('kvm_gmem_mmap', () => {
    const src = up(ctx, 'kvm_gmem_mmap')
    if (!kvmGmemSupportsMmap(ctx, fileOf(ctx, fileId).inode!)) return ctx.refuse(-ENODEV, '!kvm_gmem_supports_mmap(file_inode(file))', src)
    if (!vma.shared) return ctx.refuse(-EINVAL, '(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) != (VM_SHARED | VM_MAYSHARE)', src)
    return 0
  })
}

/**
 * kvm_gmem_fault_user_mapping(): SIGBUS past EOF; 6.18 also SIGBUS without INIT_SHARED (all
 * memory private); v14 has no shared/private check (B-F1: "shared" is implied by MMAP). Then the
 * folio (allocated, zeroed if !uptodate), WARN + SIGBUS for a large folio.
 */
export function kvmGmemFaultUserMapping(ctx: OpCtx, vma: Vma, pgoff: number): Signal | null {
  return ctx.call('kvm_gmem_fault_user_mapping', (): Signal | null => {
    const src = up(ctx, 'kvm_gmem_fault_user_mapping')
    const inodeId = fileOf(ctx, vma.file).inode!
    const inode = inodeOf(ctx, inodeId)
    if (pgoff >= inode.sizePages) {
      ctx.because('((loff_t)vmf->pgoff << PAGE_SHIFT) >= i_size_read(inode): VM_FAULT_SIGBUS', src)
      return 'SIGBUS'
    }
    if (!isV14(ctx) && !(inode.flags & GUEST_MEMFD_FLAG_INIT_SHARED)) {
      ctx.because('!(flags & GUEST_MEMFD_FLAG_INIT_SHARED): all memory is private, VM_FAULT_SIGBUS', src)
      return 'SIGBUS'
    }
    const got = ctx.call('kvm_gmem_get_folio', () => filemapGrabFolioRange(ctx, inodeId, pgoff, pgoff + 1))
    if (got.r < 0) {
      ctx.because('vmf_error(-ENOMEM) = VM_FAULT_OOM: the OOM killer picks the faulting task', src)
      return 'SIGKILL'
    }
    const folio = rangeLoad(inodeOf(ctx, inodeId).folios, pgoff, FOLIO_LINEAR)!
    let signal: Signal | null = null
    lockFolioExtent(ctx, inodeId, pgoff, pgoff + 1, () => {
      if (folio.order > 0) {
        ctx.warnOnce('virt/kvm/guest_memfd.c', 'folio_test_large(folio)')
        ctx.because('WARN_ON_ONCE(folio_test_large(folio)): VM_FAULT_SIGBUS', src)
        signal = 'SIGBUS'
        return
      }
      // clear_highpage() + kvm_gmem_mark_prepared()
      if (!folio.uptodate) folioMarkUptodate(ctx, inodeId, pgoff, pgoff + 1, src)
    })
    return signal
  })
}
