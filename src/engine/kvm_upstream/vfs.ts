/**
 * The VFS entry points of Linux 6.18 as they meet KVM's files (fs/read_write.c, fs/open.c,
 * mm/mmap.c, mm/memory.c): read, write, pread64, pwrite64, lseek, ftruncate, mmap and a host
 * access through a mapping. What each file allows is its file_operations: kvm_gmem_fops has
 * only mmap/open/release/fallocate and a setattr that refuses; kvm_vm_fops and kvm_vcpu_fops
 * have noop_llseek; every one is O_RDWR and lives on a NOEXEC pseudo filesystem.
 */
import type { OpCtx } from '../ctx'
import { EBADF, EINVAL, ENODEV, ENOMEM, EPERM, ESPIPE } from '../errno'
import type { Signal } from '../result'
import type { OpenFile, Vma } from '../state'
import { pageAligned, PAGE_SHIFT } from '../u64'
import { MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_WRITE } from '../uapi'
import { fdget, fileOf } from '../fs/file_table'
import { findVma, installVma, newVma } from '../mm/mmap'
import { KVM_GMEM } from '../kvm/guest_mem'
import { kvmGmemFaultUserMapping, kvmGmemMmap } from './guest_memfd'
import { MAP_SHARED_VALIDATE, SEEK_MAX } from './uapi'

const RW = 'fs/read_write.c'

/** What the model's KVM files implement, by kind (the f_op entries the VFS looks at). */
interface KvmFileOps {
  readonly read: boolean
  readonly write: boolean
  /** noop_llseek (returns f_pos, always 0 here) or no .llseek at all */
  readonly llseek: 'noop' | null
  readonly mmap: ((ctx: OpCtx, fileId: string, vma: Vma) => number) | null
  /** S_ISREG(inode->i_mode) */
  readonly regular: boolean
}

function opsOf(file: OpenFile): KvmFileOps {
  if (file.kind === KVM_GMEM) return { read: false, write: false, llseek: null, mmap: kvmGmemMmap, regular: true }
  // kvm_vm_fops / kvm_vcpu_fops (the vCPU's kvm_run mmap is not modelled: -ENODEV)
  return { read: false, write: false, llseek: 'noop', mmap: null, regular: false }
}

/** read(2) / write(2): vfs_read()/vfs_write() refuse files without FMODE_CAN_READ/WRITE. */
export function sysReadWrite(ctx: OpCtx, op: 'read' | 'write', fd: bigint): number {
  return ctx.call(op === 'read' ? 'ksys_read' : 'ksys_write', () => {
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fdget_pos(fd) failed', RW)
    return ctx.call(op === 'read' ? 'vfs_read' : 'vfs_write', () => {
      const ops = opsOf(file)
      if (!(op === 'read' ? ops.read : ops.write)) {
        return ctx.refuse(-EINVAL, op === 'read' ? "!(file->f_mode & FMODE_CAN_READ): no f_op->read or read_iter" : "!(file->f_mode & FMODE_CAN_WRITE): no f_op->write or write_iter", RW)
      }
      return 0
    })
  })
}

/** pread64(2) / pwrite64(2): pos < 0 first, then the fd, then FMODE_PREAD/PWRITE (pseudo files lack them). */
export function sysPreadPwrite(ctx: OpCtx, op: 'pread' | 'pwrite', fd: bigint, pos: bigint): number {
  return ctx.call(op === 'pread' ? 'ksys_pread64' : 'ksys_pwrite64', () => {
    if (pos < 0n) return ctx.refuse(-EINVAL, 'pos < 0', RW)
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fdget(fd) failed', RW)
    return ctx.refuse(-ESPIPE, op === 'pread' ? '!(fd_file(f)->f_mode & FMODE_PREAD)' : '!(fd_file(f)->f_mode & FMODE_PWRITE)', RW)
  })
}

/** lseek(2): the fd, whence <= SEEK_MAX, then f_op->llseek (none on guest_memfd: -ESPIPE). */
export function sysLseek(ctx: OpCtx, fd: bigint, _offset: bigint, whence: bigint): number {
  return ctx.call('ksys_lseek', () => {
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fdget_pos(fd) failed', RW)
    if (whence > BigInt(SEEK_MAX) || whence < 0n) return ctx.refuse(-EINVAL, 'whence > SEEK_MAX', RW)
    return ctx.call('vfs_llseek', () => {
      if (opsOf(file).llseek === null) return ctx.refuse(-ESPIPE, '!(file->f_mode & FMODE_LSEEK): kvm_gmem_fops has no .llseek', RW)
      // noop_llseek(): "leaves the file position untouched" and returns it
      return 0
    })
  })
}

/** ftruncate(2): length < 0, the fd, S_ISREG && FMODE_WRITE, then setattr (kvm_gmem_setattr: -EINVAL). */
export function sysFtruncate(ctx: OpCtx, fd: bigint, length: bigint): number {
  return ctx.call('do_sys_ftruncate', () => {
    const src = 'fs/open.c'
    if (length < 0n) return ctx.refuse(-EINVAL, 'length < 0', src)
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fdget(fd) failed', src)
    return ctx.call('do_ftruncate', () => {
      if (!opsOf(file).regular) return ctx.refuse(-EINVAL, '!S_ISREG(inode->i_mode) || !(file->f_mode & FMODE_WRITE)', src)
      return ctx.call('notify_change', () =>
        ctx.call('kvm_gmem_setattr', () => ctx.refuse(-EINVAL, 'kvm_gmem_setattr(): the size of a guest_memfd never changes', 'upstream kvm_gmem_setattr (6.18)')),
      )
    })
  })
}

/** The user address space ends here (x86-64, 4-level paging), in pages. */
const TASK_SIZE_PAGES = 0x7ffffffffn

/**
 * mmap(2) in the order of arch/x86 sys_mmap → ksys_mmap_pgoff → do_mmap: offset alignment,
 * fget, len, the mapping type, FMODE checks, NOEXEC (every KVM file is on a NOEXEC mount:
 * PROT_EXEC is -EPERM), f_op->mmap (-ENODEV without one), then the file's mmap.
 */
export function sysMmap(ctx: OpCtx, fd: bigint, offset: bigint, length: bigint, prot: bigint, flags: bigint, label: string): number {
  return ctx.call('ksys_mmap_pgoff', () => {
    const MM = 'mm/mmap.c do_mmap'
    if (!pageAligned(offset)) return ctx.refuse(-EINVAL, 'off & ~PAGE_MASK', 'arch/x86/kernel/sys_x86_64.c')
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fget(fd) failed', 'mm/mmap.c ksys_mmap_pgoff')
    return ctx.call('do_mmap', () => {
      if (length === 0n) return ctx.refuse(-EINVAL, '!len', MM)
      const pages = (length + 4095n) >> BigInt(PAGE_SHIFT)
      if (pages > TASK_SIZE_PAGES) return ctx.refuse(-ENOMEM, 'len > TASK_SIZE', MM)
      const type = Number(flags) & MAP_SHARED_VALIDATE
      if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return ctx.refuse(-EINVAL, 'flags & MAP_TYPE: not MAP_SHARED, MAP_SHARED_VALIDATE or MAP_PRIVATE', MM)
      // KVM files are O_RDWR: the FMODE_WRITE / FMODE_READ checks pass
      if (prot & BigInt(PROT_EXEC)) return ctx.refuse(-EPERM, 'path_noexec(&file->f_path) && (vm_flags & VM_EXEC)', MM)
      const ops = opsOf(file)
      if (!ops.mmap) return ctx.refuse(-ENODEV, '!file->f_op->mmap', MM)
      const vma = newVma(ctx, file.id, offset, pages, prot, type !== MAP_PRIVATE, label)
      ctx.lock('mmapLock', 'mm', 'write')
      const r = ctx.call('mmap_region', () => ops.mmap!(ctx, file.id, vma))
      ctx.unlock('mmapLock', 'mm')
      if (r) return r
      return installVma(ctx, vma, MM)
    })
  })
}

/** A host load or store at addr: SIGSEGV outside a mapping or against its protection, else the fault. */
export function hostAccess(ctx: OpCtx, addr: bigint, write: boolean): Signal | null {
  return ctx.call('handle_mm_fault', () => {
    ctx.lock('mmapLock', 'mm', 'read')
    const sig = ((): Signal | null => {
      const vma = findVma(ctx, addr)
      if (!vma) {
        ctx.because('no VMA covers the address', 'mm/memory.c')
        return 'SIGSEGV'
      }
      if (write && !(vma.prot & PROT_WRITE)) {
        ctx.because('write to a mapping without PROT_WRITE', 'mm/memory.c')
        return 'SIGSEGV'
      }
      if (!write && vma.prot === 0) {
        ctx.because('access to a PROT_NONE mapping', 'mm/memory.c')
        return 'SIGSEGV'
      }
      const pgoff = vma.pgoff + Number(addr >> BigInt(PAGE_SHIFT)) - vma.start
      if (fileOf(ctx, vma.file).kind !== KVM_GMEM) return 'SIGBUS'
      return kvmGmemFaultUserMapping(ctx, vma, pgoff)
    })()
    ctx.unlock('mmapLock', 'mm')
    return sig
  })
}

