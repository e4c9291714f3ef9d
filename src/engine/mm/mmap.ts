/**
 * Host mappings (mm/mmap.c, mm/memory.c): mmap(2), munmap(2) and a host access through a
 * mapping, which faults through the file's vm_ops. What a file allows is its f_op->mmap and
 * fault handler (see FileOps); v11's guest_memfd has neither.
 */
import type { OpCtx } from '../ctx'
import { EBADF, EINVAL, ENODEV, ENOMEM } from '../errno'
import type { Vma } from '../state'
import { pageAligned, PAGE_SHIFT, toPages } from '../u64'
import { MAP_PRIVATE, MAP_SHARED, PROT_WRITE } from '../uapi'
import { fdget, fileOf, fileOpsOf, fput, getFile, newId } from '../fs/file_table'
import type { Signal } from '../result'
import { variantDef } from '../variants/registry'

const MM = 'mm/mmap.c do_mmap'

/** The user address space ends here (x86-64, 4-level paging), in pages. */
const TASK_SIZE_PAGES = 0x7ffffffffn

/** mmap(2) of a file: returns the address, or a negative errno. */
export function sysMmap(
  ctx: OpCtx,
  fd: bigint,
  offset: bigint,
  length: bigint,
  prot: bigint,
  flags: bigint,
  label: string,
): number {
  return ctx.call('do_mmap', () => {
    if (length === 0n) return ctx.refuse(-EINVAL, 'len == 0', MM)
    if (!pageAligned(offset)) return ctx.refuse(-EINVAL, 'offset & ~PAGE_MASK', 'mm/mmap.c ksys_mmap_pgoff')
    const pages = (length + 4095n) >> BigInt(PAGE_SHIFT)
    if (pages > TASK_SIZE_PAGES) return ctx.refuse(-ENOMEM, 'len > TASK_SIZE', MM)
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fget(fd) failed', 'mm/mmap.c ksys_mmap_pgoff')
    const type = Number(flags) & (MAP_SHARED | MAP_PRIVATE)
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) {
      return ctx.refuse(-EINVAL, 'neither MAP_SHARED nor MAP_PRIVATE (or both)', MM)
    }
    const ops = fileOpsOf(ctx, file)
    if (!ops.mmap) return ctx.refuse(-ENODEV, '!file->f_op->mmap', MM)
    const vma = newVma(ctx, file.id, offset, pages, prot, type === MAP_SHARED, label)
    const r = ops.mmap(ctx, file.id, vma)
    if (r) return r
    return installVma(ctx, vma, MM)
  })
}

/** The VMA mmap() is about to create, at the next free address (vm_area_alloc + the address search). */
export function newVma(ctx: OpCtx, fileId: string, offset: bigint, pages: bigint, prot: bigint, shared: boolean, label: string): Vma {
  return {
    id: newId(ctx, 'vma'),
    label,
    start: ctx.s.nextMmapPage,
    pages: Number(pages),
    file: fileId,
    pgoff: toPages(offset),
    prot: Number(prot),
    shared,
  }
}

/**
 * Installs a VMA the file's ->mmap accepted: the mapping pins the file, and one unmapped page
 * follows it (an access just past its end faults with SIGSEGV). Returns its address.
 */
export function installVma(ctx: OpCtx, vma: Vma, seed: string): number {
  ctx.s.nextMmapPage += vma.pages + 1
  getFile(ctx, vma.file)
  ctx.s.vmas[vma.id] = vma
  ctx.effect({ kind: 'vma', id: vma.id }, `mapped: ${vma.pages} page(s) of the file at pgoff ${vma.pgoff}, ${vma.shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}`, seed)
  return vma.start * 4096
}

/** munmap(2): removes the mappings that start in [addr, addr + length) (whole VMAs only). */
export function sysMunmap(ctx: OpCtx, addr: bigint, length: bigint): number {
  return ctx.call('__vm_munmap', () => {
    if (!pageAligned(addr) || length === 0n) return ctx.refuse(-EINVAL, 'start & ~PAGE_MASK || len == 0', 'mm/mmap.c do_vmi_munmap')
    const start = Number(addr >> BigInt(PAGE_SHIFT))
    const end = start + Number((length + 4095n) >> BigInt(PAGE_SHIFT))
    ctx.lock('mmapLock', 'mm', 'write')
    const r = doVmiMunmap(ctx, start, end)
    ctx.unlock('mmapLock', 'mm')
    return r
  })
}

/**
 * do_vmi_munmap() under mmap_lock (write): the mappings in [start, end) go, and the process's
 * MMU notifiers (KVM's) are told before the pages are unmapped (unmap_region).
 */
function doVmiMunmap(ctx: OpCtx, start: number, end: number): number {
  return ctx.call('do_vmi_munmap', () => {
    ctx.call('unmap_region', () => variantDef(ctx.s.variant).mmuNotifier?.(ctx, start, end))
    for (const vma of Object.values(ctx.s.vmas)) {
      if (vma.start < end && start < vma.start + vma.pages) {
        delete ctx.s.vmas[vma.id]
        ctx.effect({ kind: 'vma', id: vma.id }, 'unmapped (do_vmi_munmap)', 'mm/mmap.c do_vmi_munmap')
        fput(ctx, vma.file)
      }
    }
    return 0
  })
}

/** The VMA covering a user address, if any. */
export function findVma(ctx: OpCtx, addr: bigint): Vma | undefined {
  const page = Number(addr >> BigInt(PAGE_SHIFT))
  return Object.values(ctx.s.vmas).find((v) => page >= v.start && page < v.start + v.pages) as Vma | undefined
}

/** A host load or store at addr: SIGSEGV outside a mapping or against its protection, else the fault. */
export function hostAccess(ctx: OpCtx, addr: bigint, write: boolean): Signal | null {
  return ctx.call('handle_mm_fault', () => {
    const vma = findVma(ctx, addr)
    if (!vma) {
      ctx.because('no VMA covers the address', 'mm/memory.c')
      return 'SIGSEGV'
    }
    if (write && !(vma.prot & PROT_WRITE)) {
      ctx.because('write to a mapping without PROT_WRITE', 'mm/memory.c')
      return 'SIGSEGV'
    }
    const ops = fileOpsOf(ctx, fileOf(ctx, vma.file))
    if (!ops.fault) {
      ctx.because('the mapping has no fault handler', 'mm/memory.c')
      return 'SIGBUS'
    }
    const pgoff = vma.pgoff + Number(addr >> BigInt(PAGE_SHIFT)) - vma.start
    return ops.fault(ctx, vma, pgoff, write).signal
  })
}
