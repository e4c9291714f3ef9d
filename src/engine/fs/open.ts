/**
 * fs/open.c and fs/file.c entry points shared by every variant: fallocate(2) through
 * vfs_fallocate()'s generic checks, and close(2).
 */
import type { OpCtx } from '../ctx'
import { EBADF, EFBIG, EINVAL, ENODEV, EOPNOTSUPP } from '../errno'
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_SUPPORTED_MASK,
  FALLOC_FL_UNSHARE_RANGE,
  FALLOC_FL_ZERO_RANGE,
} from '../uapi'
import { fdget, fileOpsOf, fput } from './file_table'

/** MAX_LFS_FILESIZE: the s_maxbytes of the pseudo filesystems guest_memfd lives on. */
const MAX_LFS_FILESIZE = (1n << 63n) - 1n
const VFS = 'fs/open.c vfs_fallocate'

/** fallocate(2) → vfs_fallocate(): the generic checks in fs/open.c order, then f_op->fallocate. */
export function sysFallocate(ctx: OpCtx, fd: bigint, modeRaw: bigint, offset: bigint, len: bigint): number {
  return ctx.call('vfs_fallocate', () => {
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'fdget(fd) failed: not an open fd', 'fs/open.c ksys_fallocate')
    const mode = Number(BigInt.asIntN(32, modeRaw))
    if (offset < 0n || len <= 0n) return ctx.refuse(-EINVAL, 'offset < 0 || len <= 0', VFS)
    if (mode & ~FALLOC_FL_SUPPORTED_MASK) return ctx.refuse(-EOPNOTSUPP, 'mode & ~FALLOC_FL_SUPPORTED_MASK', VFS)
    if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) === (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
      return ctx.refuse(-EOPNOTSUPP, 'PUNCH_HOLE and ZERO_RANGE are mutually exclusive', VFS)
    }
    if (mode & FALLOC_FL_PUNCH_HOLE && !(mode & FALLOC_FL_KEEP_SIZE)) {
      return ctx.refuse(-EOPNOTSUPP, 'PUNCH_HOLE without KEEP_SIZE', VFS)
    }
    if (mode & FALLOC_FL_COLLAPSE_RANGE && mode & ~FALLOC_FL_COLLAPSE_RANGE) {
      return ctx.refuse(-EINVAL, 'COLLAPSE_RANGE with other flags', VFS)
    }
    if (mode & FALLOC_FL_INSERT_RANGE && mode & ~FALLOC_FL_INSERT_RANGE) {
      return ctx.refuse(-EINVAL, 'INSERT_RANGE with other flags', VFS)
    }
    if (mode & FALLOC_FL_UNSHARE_RANGE && mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)) {
      return ctx.refuse(-EINVAL, 'UNSHARE_RANGE with flags other than KEEP_SIZE', VFS)
    }
    const ops = fileOpsOf(ctx, file)
    if (!ops.regular) return ctx.refuse(-ENODEV, '!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode)', VFS)
    if (offset + len > MAX_LFS_FILESIZE || BigInt.asIntN(64, offset + len) < 0n) {
      return ctx.refuse(-EFBIG, 'offset + len > s_maxbytes or wraps', VFS)
    }
    if (!ops.fallocate) return ctx.refuse(-EOPNOTSUPP, '!file->f_op->fallocate', VFS)
    return ops.fallocate(ctx, file.id, mode, offset, len)
  })
}

/** close(2): removes the fd and drops its reference (the last one runs release). */
export function sysClose(ctx: OpCtx, fd: bigint): number {
  return ctx.call('close_fd', () => {
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EBADF, 'no such open fd', 'fs/file.c close_fd')
    delete ctx.s.fds[String(fd)]
    ctx.effect({ kind: 'file', id: file.id }, `fd ${fd} closed (close_fd)`, 'fs/file.c close_fd')
    fput(ctx, file.id)
    return 0
  })
}
