/** The uapi names Gunyah scenarios may use (include/uapi/linux/gunyah.h, linux/falloc.h, mman). */
import {
  COMMON_CONSTANTS,
  type ConstantTable,
} from '../uapi'
import {
  GHMF_ALLOW_HUGEPAGE,
  GHMF_CLOEXEC,
  GUNYAH_MEM_ALLOW_EXEC,
  GUNYAH_MEM_ALLOW_READ,
  GUNYAH_MEM_ALLOW_RWX,
  GUNYAH_MEM_ALLOW_WRITE,
  GUNYAH_MEM_DEFAULT_ACCESS,
  GUNYAH_MEM_FORCE_LEND,
  GUNYAH_MEM_FORCE_SHARE,
  GUNYAH_MEM_UNMAP,
} from './common'

export const COMMON_GUNYAH_CONSTANTS: ConstantTable = {
  ...COMMON_CONSTANTS,
  gunyahGmemFlags: { GHMF_CLOEXEC, GHMF_ALLOW_HUGEPAGE },
  // enum gunyah_map_flags (seed 000 l.622); the individual bits come first so values print as A|B|C
  gunyahMapFlags: {
    GUNYAH_MEM_DEFAULT_ACCESS,
    GUNYAH_MEM_FORCE_LEND,
    GUNYAH_MEM_FORCE_SHARE,
    GUNYAH_MEM_ALLOW_READ,
    GUNYAH_MEM_ALLOW_WRITE,
    GUNYAH_MEM_ALLOW_EXEC,
    GUNYAH_MEM_UNMAP,
    GUNYAH_MEM_ALLOW_RWX,
  },
}
