/**
 * The VMM's file table (fs/file.c, fs/file_table.c): fd allocation, fget, fput and release.
 *
 * A file kind stands for a `struct file_operations`: each variant declares what its files do
 * on release, fallocate, mmap and fault (VariantDef.fops), the way a driver fills in f_op. Everything that holds
 * a file (an fd, a mapping, a Gunyah binding) holds one f_count; the last fput runs release
 * (as task work, when the syscall returns).
 */
import type { OpCtx } from '../ctx'
import type { OpenFile, Vma } from '../state'
import { variantDef } from '../variants/registry'
import { truncateInodePagesRange } from '../mm/filemap'

export type FileKind = string

export interface FaultResult {
  /** 0, or the signal the access raises */
  readonly signal: 'SIGBUS' | 'SIGSEGV' | null
}

export interface FileOps {
  /** S_ISREG(inode->i_mode): vfs_fallocate() refuses other file types with -ENODEV */
  readonly regular: boolean
  readonly release?: (ctx: OpCtx, fileId: string) => void
  readonly fallocate?: (ctx: OpCtx, fileId: string, mode: number, offset: bigint, len: bigint) => number
  readonly mmap?: (ctx: OpCtx, fileId: string, vma: Vma) => number
  /** the vm_ops fault handler of a mapping of the file */
  readonly fault?: (ctx: OpCtx, vma: Vma, pgoff: number, write: boolean) => FaultResult
}

export function fileOpsOf(ctx: OpCtx, file: OpenFile): FileOps {
  const ops = variantDef(ctx.s.variant).fops[file.kind]
  if (!ops) throw new Error(`engine bug: no file operations for ${file.kind} in ${ctx.s.variant}`)
  return ops
}

export function newId(ctx: OpCtx, prefix: string): string {
  const id = `${prefix}${ctx.s.nextId}`
  ctx.s.nextId++
  return id
}

/** alloc_file_pseudo() and friends: a new struct file with one reference. */
export function allocFile(
  ctx: OpCtx,
  f: { readonly kind: FileKind; readonly label: string; readonly vm: string; readonly inode: string | null },
): string {
  const id = newId(ctx, 'file')
  ctx.s.files[id] = { id, ...f, fCount: 1, bindings: [], released: false }
  ctx.effect({ kind: 'file', id }, `allocated: a ${f.kind} file with f_count 1`, ctx.cite())
  return id
}

/** alloc_anon_inode(): a new, empty inode of `sizePages` pages on filesystem `fs`. */
export function allocInode(ctx: OpCtx, fs: string, sizePages: number, flags: number): string {
  const id = newId(ctx, 'inode')
  ctx.s.inodes[id] = { id, fs, sizePages, flags, folios: [], privateList: [], evicted: false }
  ctx.effect({ kind: 'inode', id }, `allocated: alloc_anon_inode() on ${fs}, i_size ${sizePages} page(s)`, ctx.cite())
  return id
}

export function fileOf(ctx: OpCtx, fileId: string): OpenFile {
  const f = ctx.s.files[fileId]
  if (!f) throw new Error(`engine bug: no file ${fileId}`)
  return f as OpenFile
}

/** RLIMIT_NOFILE's usual soft limit. */
export const NR_OPEN_DEFAULT = 1024

/** get_unused_fd_flags() + fd_install(): the lowest free fd (0-2 are the VMM's stdio). */
export function fdAlloc(ctx: OpCtx, fileId: string, cloexec: boolean): number {
  let fd = 3
  while (ctx.s.fds[String(fd)]) fd++
  ctx.s.fds[String(fd)] = { file: fileId, cloexec }
  ctx.effect({ kind: 'file', id: fileId }, `installed as fd ${fd} (fd_install)`, ctx.cite())
  return fd
}

/** fget(): the open file behind an fd, or null. `fd` is the raw (unsigned) value passed. */
export function fdget(ctx: OpCtx, fd: bigint): OpenFile | null {
  if (fd < 0n || fd >= BigInt(NR_OPEN_DEFAULT)) return null
  const entry = ctx.s.fds[String(fd)]
  return entry ? fileOf(ctx, entry.file) : null
}

/** get_file(): one more reference. */
export function getFile(ctx: OpCtx, fileId: string): void {
  const f = ctx.s.files[fileId]!
  f.fCount++
  ctx.effect({ kind: 'file', id: fileId }, `get_file(): f_count ${f.fCount}`, ctx.cite(ctx.fn))
}

/**
 * fput(): drops a reference. The last one does not release the file on the spot: like the
 * kernel, it queues ____fput as task work, which runs when the syscall returns to userspace —
 * after every lock the caller holds is dropped (ctx.runTaskWork).
 */
export function fput(ctx: OpCtx, fileId: string): void {
  ctx.call('fput', () => {
    const f = ctx.s.files[fileId]!
    f.fCount--
    const last = f.fCount <= 0
    ctx.effect({ kind: 'file', id: fileId }, last ? 'fput(): the last reference, ____fput queued as task work' : `fput(): f_count ${f.fCount}`, 'fs/file_table.c fput')
    if (f.fCount > 0) return
    ctx.taskWork.push(() => ctx.call('____fput', () => fputFinal(ctx, fileId)))
  })
}

/** __fput(): the file's release, then dput() → iput(), which evicts an anonymous inode. */
function fputFinal(ctx: OpCtx, fileId: string): void {
  ctx.call('__fput', () => {
    const f = ctx.s.files[fileId]!
    fileOpsOf(ctx, f as OpenFile).release?.(ctx, fileId)
    if (f.inode) iputFinal(ctx, f.inode, fileId)
  })
}

/**
 * iput() of an inode's last reference → evict() → truncate_inode_pages_final(): the page cache
 * is freed ("the lifetime is associated with the inode, not the file", seed 002).
 */
function iputFinal(ctx: OpCtx, inodeId: string, closing: string): void {
  const inode = ctx.s.inodes[inodeId]
  if (!inode || inode.evicted) return
  const stillOpen = Object.values(ctx.s.files).some((g) => g.id !== closing && g.inode === inodeId && g.fCount > 0)
  if (stillOpen) return
  ctx.call('evict', () => {
    // seed 002: "the lifetime is associated with the inode, not the file"
    truncateInodePagesRange(ctx, inodeId, 0, Number.MAX_SAFE_INTEGER, 'truncate_inode_pages_final', 'fs/inode.c evict')
    inode.evicted = true
    ctx.effect({ kind: 'inode', id: inodeId }, 'evicted: the last file is gone (iput → evict)', 'fs/inode.c evict')
  })
}
