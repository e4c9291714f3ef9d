/**
 * Actions: one plain, serialisable object per syscall, ioctl or event, named after it.
 *
 * Arguments use the uapi field names. Files and VMs are referred to by fd number and mappings by
 * address, exactly as a VMM passes them; the scenario layer turns names into these handles.
 * Integer fields are `Int` (a safe number or a decimal/hex string) so that any 64-bit value,
 * valid or not, can be passed. `label` names the object a call creates, for display.
 */
import type { Int } from './u64'

export interface KvmCreateVm {
  readonly op: 'KVM_CREATE_VM'
  readonly type: Int
  readonly label?: string
}

export interface KvmCreateGuestMemfd {
  readonly op: 'KVM_CREATE_GUEST_MEMFD'
  readonly vm: Int
  readonly size: Int
  readonly flags: Int
  readonly label?: string
}

export interface KvmSetUserMemoryRegion2 {
  readonly op: 'KVM_SET_USER_MEMORY_REGION2'
  readonly vm: Int
  readonly slot: Int
  readonly flags: Int
  readonly guest_phys_addr: Int
  readonly memory_size: Int
  readonly userspace_addr: Int
  readonly guest_memfd: Int
  readonly guest_memfd_offset: Int
}

export interface KvmSetMemoryAttributes {
  readonly op: 'KVM_SET_MEMORY_ATTRIBUTES'
  readonly vm: Int
  readonly address: Int
  readonly size: Int
  readonly attributes: Int
  readonly flags: Int
}

export interface KvmMapMemory {
  readonly op: 'KVM_MAP_MEMORY'
  readonly vm: Int
  readonly base_gfn: Int
  readonly nr_pages: Int
  readonly flags: Int
  readonly source: Int
}

export interface Fallocate {
  readonly op: 'fallocate'
  readonly fd: Int
  readonly mode: Int
  readonly offset: Int
  readonly len: Int
}

export interface Mmap {
  readonly op: 'mmap'
  readonly fd: Int
  readonly offset: Int
  readonly length: Int
  readonly prot: Int
  readonly flags: Int
  readonly label?: string
}

export interface Munmap {
  readonly op: 'munmap'
  readonly addr: Int
  readonly length: Int
}

export interface HostAccess {
  readonly op: 'host_access'
  readonly addr: Int
  readonly write: boolean
}

export interface GuestAccess {
  readonly op: 'guest_access'
  readonly vm: Int
  readonly gpa: Int
  readonly write: boolean
  /** the fault's is_private (the guest's view: an access to private memory) */
  readonly private: boolean
}

export interface MemoryFailure {
  readonly op: 'memory_failure'
  readonly fd: Int
  readonly offset: Int
}

export interface Close {
  readonly op: 'close'
  readonly fd: Int
}

/** Arms a one-shot failure of the next allocation of a kind (the kernel's fault injection). */
export interface Inject {
  readonly op: 'inject'
  /** failslab: the next kzalloc; fail_page_alloc: the next folio allocation; xa_store: the next xa_store_range */
  readonly kind: 'failslab' | 'fail_page_alloc' | 'xa_store'
}

export type KvmAction =
  | KvmCreateVm
  | KvmCreateGuestMemfd
  | KvmSetUserMemoryRegion2
  | KvmSetMemoryAttributes
  | KvmMapMemory

export type Action =
  | KvmAction
  | Fallocate
  | Mmap
  | Munmap
  | HostAccess
  | GuestAccess
  | MemoryFailure
  | Close
  | Inject

export type Op = Action['op']
