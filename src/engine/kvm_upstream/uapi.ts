/**
 * Linux 6.18 uapi (include/uapi/linux/kvm.h, linux/fs.h) for kvm-upstream and kvm-v14-mmap: the
 * names their scenarios may use. Values are the kernel's; the native runner uses the same numbers.
 */
import {
  KVM_MEM_LOG_DIRTY_PAGES,
  KVM_MEM_READONLY,
  KVM_MEMORY_ATTRIBUTE_PRIVATE,
  KVM_X86_DEFAULT_VM,
  KVM_X86_SW_PROTECTED_VM,
  COMMON_CONSTANTS,
  type ConstantTable,
} from '../uapi'

/** KVM_MEM_GUEST_MEMFD (1UL << 2): the bit seed 002 called KVM_MEM_PRIVATE */
export const KVM_MEM_GUEST_MEMFD = 1 << 2
/** KVM_MEMSLOT_GMEM_ONLY (include/linux/kvm_host.h, internal): every fault is served by guest_memfd */
export const KVM_MEMSLOT_GMEM_ONLY = 1 << 17

export const GUEST_MEMFD_FLAG_MMAP = 1 << 0
export const GUEST_MEMFD_FLAG_INIT_SHARED = 1 << 1

export const MAP_SHARED_VALIDATE = 0x03

export const SEEK_SET = 0
export const SEEK_CUR = 1
export const SEEK_END = 2
export const SEEK_DATA = 3
export const SEEK_HOLE = 4
export const SEEK_MAX = SEEK_HOLE

/** KVM_CHECK_EXTENSION capabilities the model answers (others are 0). */
export const KVM_CAP = {
  KVM_CAP_NR_MEMSLOTS: 10,
  KVM_CAP_READONLY_MEM: 81,
  KVM_CAP_MULTI_ADDRESS_SPACE: 118,
  KVM_CAP_USER_MEMORY2: 231,
  KVM_CAP_MEMORY_FAULT_INFO: 232,
  KVM_CAP_MEMORY_ATTRIBUTES: 233,
  KVM_CAP_GUEST_MEMFD: 234,
  KVM_CAP_VM_TYPES: 235,
  KVM_CAP_PRE_FAULT_MEMORY: 236,
  KVM_CAP_GUEST_MEMFD_FLAGS: 244,
} as const

function table(gmemFlags: Record<string, number>): ConstantTable {
  return {
    ...COMMON_CONSTANTS,
    mmap: { ...COMMON_CONSTANTS.mmap, MAP_SHARED_VALIDATE },
    vmType: { KVM_X86_DEFAULT_VM, KVM_X86_SW_PROTECTED_VM },
    gmemFlags,
    memslotFlags: { KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY, KVM_MEM_GUEST_MEMFD },
    memAttributes: { KVM_MEMORY_ATTRIBUTE_PRIVATE },
    preFaultFlags: {},
    whence: { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE },
    cap: { ...KVM_CAP },
  }
}

export const KVM_UPSTREAM_CONSTANTS = table({ GUEST_MEMFD_FLAG_MMAP, GUEST_MEMFD_FLAG_INIT_SHARED })
export const KVM_V14_CONSTANTS = table({ GUEST_MEMFD_FLAG_MMAP })
