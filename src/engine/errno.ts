/** Linux errno values (asm-generic/errno-base.h, errno.h), as kernel code returns them: negated. */
import type { Errno } from './result'

export const EPERM = 1
export const ENOENT = 2
export const EINTR = 4
export const EIO = 5
export const ENXIO = 6
export const EBADF = 9
export const EAGAIN = 11
export const ENOMEM = 12
export const EACCES = 13
export const EFAULT = 14
export const EBUSY = 16
export const EEXIST = 17
export const ENODEV = 19
export const EINVAL = 22
export const ENOTTY = 25
export const EFBIG = 27
export const ENOSPC = 28
export const ESPIPE = 29
export const EOPNOTSUPP = 95
export const EHWPOISON = 133

const NAMES: Record<number, Errno> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [EINTR]: 'EINTR',
  [EIO]: 'EIO',
  [ENXIO]: 'ENXIO',
  [EBADF]: 'EBADF',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOTTY]: 'ENOTTY',
  [EFBIG]: 'EFBIG',
  [ENOSPC]: 'ENOSPC',
  [ESPIPE]: 'ESPIPE',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
  [EHWPOISON]: 'EHWPOISON',
}

/** The errno's name for a negative kernel return value. */
export function errnoName(negErrno: number): Errno {
  const name = NAMES[-negErrno]
  if (!name) throw new Error(`engine bug: unknown errno ${negErrno}`)
  return name
}

export const ERRNO_NAMES: readonly Errno[] = Object.values(NAMES)
