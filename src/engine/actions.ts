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
  /**
   * failslab: the next kzalloc; fail_page_alloc: the next folio allocation; xa_store: the next
   * xa_store_range; reclaim_fails (Gunyah): from now on the hypervisor refuses to give back the
   * folio the VM `vm` has at `gpa`
   */
  readonly kind: 'failslab' | 'fail_page_alloc' | 'xa_store' | 'reclaim_fails'
  /** reclaim_fails: the VM fd */
  readonly vm?: Int
  /** reclaim_fails: a guest physical address of the folio */
  readonly gpa?: Int
}

/** ioctl(/dev/gunyah, GUNYAH_CREATE_VM, 0): a new Gunyah VM fd */
export interface GunyahCreateVm {
  readonly op: 'GUNYAH_CREATE_VM'
  readonly label?: string
}

/** ioctl(/dev/gunyah, GUNYAH_CREATE_GUEST_MEM, {flags, size}): a VM-agnostic guest memfd */
export interface GunyahCreateGuestMem {
  readonly op: 'GUNYAH_CREATE_GUEST_MEM'
  readonly size: Int
  readonly flags: Int
  readonly label?: string
}

/** ioctl(vm, GUNYAH_VM_MAP_MEM, struct gunyah_map_mem_args): add or (GUNYAH_MEM_UNMAP) remove a binding */
export interface GunyahVmMapMem {
  readonly op: 'GUNYAH_VM_MAP_MEM'
  readonly vm: Int
  readonly guest_addr: Int
  readonly flags: Int
  readonly guest_mem_fd: Int
  readonly offset: Int
  readonly size: Int
}

/** ioctl(vm, GUNYAH_VM_START): start the VM (registers lend bindings for demand paging) */
export interface GunyahVmStart {
  readonly op: 'GUNYAH_VM_START'
  readonly vm: Int
}

export type GunyahAction = GunyahCreateVm | GunyahCreateGuestMem | GunyahVmMapMem | GunyahVmStart

/** kvm-upstream: sets what the simulated host supports (before the first VM); see KvmHostConfig */
export interface HostConfig {
  readonly op: 'host_config'
  readonly vm_types: Int
  readonly memory_attributes: boolean
  readonly tdp: boolean
  readonly address_spaces: Int
}

/** ioctl(/dev/kvm or vm, KVM_CHECK_EXTENSION, cap); vm -1 is /dev/kvm */
export interface KvmCheckExtension {
  readonly op: 'KVM_CHECK_EXTENSION'
  readonly vm: Int
  readonly cap: Int
}

/** ioctl(vm, KVM_CREATE_VCPU, id) */
export interface KvmCreateVcpu {
  readonly op: 'KVM_CREATE_VCPU'
  readonly vm: Int
  readonly id: Int
  readonly label?: string
}

/** ioctl(vcpu 0 of vm, KVM_PRE_FAULT_MEMORY, {gpa, size, flags}); vCPU 0 is created on first use */
export interface KvmPreFaultMemory {
  readonly op: 'KVM_PRE_FAULT_MEMORY'
  readonly vm: Int
  readonly gpa: Int
  readonly size: Int
  readonly flags: Int
}

/** read(2), write(2) of count bytes */
export interface FileRw<O extends 'read' | 'write'> {
  readonly op: O
  readonly fd: Int
  readonly count: Int
}

/** pread64(2), pwrite64(2) of count bytes at offset */
export interface FilePrw<O extends 'pread' | 'pwrite'> {
  readonly op: O
  readonly fd: Int
  readonly count: Int
  readonly offset: Int
}

export interface Lseek {
  readonly op: 'lseek'
  readonly fd: Int
  readonly offset: Int
  readonly whence: Int
}

export interface Ftruncate {
  readonly op: 'ftruncate'
  readonly fd: Int
  readonly length: Int
}

export type KvmUpstreamAction =
  | HostConfig
  | KvmCheckExtension
  | KvmCreateVcpu
  | KvmPreFaultMemory
  | FileRw<'read'>
  | FileRw<'write'>
  | FilePrw<'pread'>
  | FilePrw<'pwrite'>
  | Lseek
  | Ftruncate

export type KvmAction =
  | KvmCreateVm
  | KvmCreateGuestMemfd
  | KvmSetUserMemoryRegion2
  | KvmSetMemoryAttributes
  | KvmMapMemory

export type Action =
  | KvmAction
  | KvmUpstreamAction
  | GunyahAction
  | Fallocate
  | Mmap
  | Munmap
  | HostAccess
  | GuestAccess
  | MemoryFailure
  | Close
  | Inject

export type Op = Action['op']
