/**
 * The simulated kernel's state: plain, serialisable data, normalised by id.
 *
 * Objects reference each other by id strings (never by pointer), so a state survives
 * JSON.stringify / JSON.parse unchanged and the reducer can share structure between steps.
 * Page-granular spaces (file offsets, gfns) are RangeMaps of extents.
 */
import type { RangeMap } from './rangemap'

export type Variant = 'kvm-v11' | 'gunyah-v15' | 'gunyah-v17' | 'kvm-v14-mmap' | 'kvm-upstream'

export const VARIANTS: readonly Variant[] = ['kvm-v11', 'gunyah-v17', 'gunyah-v15']

/** An entry of the process's fd table: `struct file *` plus the close-on-exec bit. */
export interface FdEntry {
  readonly file: string
  readonly cloexec: boolean
}

/** `struct file`: what an fd (or a mapping) refers to. */
export interface OpenFile {
  readonly id: string
  /** stands for the file's f_op: 'kvm-vm', 'kvm-gmem', ... (see VariantDef.fops) */
  readonly kind: string
  /** The scenario name that created it ("as"), for display only. */
  readonly label: string
  /** f_count: fds and mappings that hold the file. The last fput runs release. */
  readonly fCount: number
  /** The VM: private_data of a VM file, or `gmem->kvm` of a guest_memfd. */
  readonly vm: string
  /** The inode of a guest_memfd file. */
  readonly inode: string | null
  /** `struct kvm_gmem`: file offsets (pages) bound to memslots (slot uid), as the xarray holds them. */
  readonly bindings: RangeMap<Binding>
  /** `kvm_gmem_release` has run; the file is gone. */
  readonly released: boolean
}

export interface Binding {
  readonly [k: string]: string | number | boolean | null
  /** uid of the memslot (`struct kvm_memory_slot *`) stored in the xarray */
  readonly slot: string
}

/** Per-page state of a folio in the page cache. `pfn` grows with the index. */
export interface FolioPage {
  readonly [k: string]: string | number | boolean | null
  readonly pfn: number
  /** folio order (0 = 4 KiB) */
  readonly order: number
  /** PG_uptodate: gmem uses it to mean "zeroed before being handed to the guest" */
  readonly uptodate: boolean
  /** PG_hwpoison, set by memory_failure */
  readonly hwpoison: boolean
}

export const FOLIO_LINEAR = ['pfn'] as const

/** A guest_memfd inode: the memory itself, which outlives any one file. */
export interface Inode {
  readonly id: string
  /** Filesystem type: lockdep keys `mapping.invalidate_lock` by it. */
  readonly fs: string
  /** i_size in pages (always page aligned for guest_memfd) */
  readonly sizePages: number
  /** i_private: creation flags */
  readonly flags: number
  /** folios in the page cache, by page index */
  readonly folios: RangeMap<FolioPage>
  /** i_mapping->private_list: the gmem files (struct kvm_gmem) of this inode, newest first */
  readonly privateList: readonly string[]
  /** the last file of the inode is gone: evict() truncated the page cache (kept for display) */
  readonly evicted: boolean
}

/** `struct kvm_memory_slot` */
export interface Memslot {
  /** identity of this allocation: a modified slot is a new allocation with a new uid */
  readonly uid: string
  readonly asId: number
  readonly id: number
  readonly baseGfn: number
  readonly npages: number
  readonly flags: number
  /** userspace_addr as a hex string (u64) */
  readonly userspaceAddr: string
  /** slot->gmem: file is null once the file is closed (or never bound) */
  readonly gmem: { readonly file: string | null; readonly pgoff: number }
}

/** A stage-2 (EPT/NPT) mapping page: gfn → pfn. `index` and `pfn` grow with the gfn. */
export interface Stage2Page {
  readonly [k: string]: string | number | boolean | null
  /** 'gmem': private memory from a guest_memfd; 'hva': shared memory through userspace_addr */
  readonly backing: 'gmem' | 'hva'
  /** the guest_memfd inode (gmem backing) */
  readonly inode: string | null
  /** file page index (gmem) or host virtual page number (hva) */
  readonly index: number
  /** host pfn (for hva backing, the host virtual page number stands in) */
  readonly pfn: number
  readonly writable: boolean
}

export const STAGE2_LINEAR = ['index', 'pfn'] as const

export interface MemAttribute {
  readonly [k: string]: string | number | boolean | null
  readonly private: boolean
}

/** KVM's MMU invalidation bookkeeping (kvm->mmu_invalidate_*). */
export interface MmuInvalidate {
  readonly inProgress: number
  readonly seq: number
  /** null = INVALID_GPA */
  readonly rangeStart: number | null
  readonly rangeEnd: number | null
}

/** `struct kvm` */
export interface KvmVm {
  readonly id: string
  readonly label: string
  /** KVM_X86_DEFAULT_VM (0) or KVM_X86_SW_PROTECTED_VM (1) */
  readonly type: number
  /** users_count: the VM fd and every guest_memfd file of the VM */
  readonly usersCount: number
  /** kvm_destroy_vm has run */
  readonly destroyed: boolean
  /** memslots by "as_id:id" */
  readonly memslots: Readonly<Record<string, Memslot>>
  /** slots freed while something still pointed at them (use-after-free targets), by uid */
  readonly freedMemslots: Readonly<Record<string, Memslot>>
  readonly nrMemslotPages: number
  /** KVM_SET_MEMORY_ATTRIBUTES, by gfn */
  readonly attributes: RangeMap<MemAttribute>
  /** the guest's stage-2 page tables, by gfn */
  readonly stage2: RangeMap<Stage2Page>
  readonly mmu: MmuInvalidate
}

/** A host userspace mapping (VMA) of a file. */
export interface Vma {
  readonly id: string
  readonly label: string
  /** start address */
  readonly start: number
  readonly pages: number
  readonly file: string
  readonly pgoff: number
  readonly prot: number
  readonly shared: boolean
}

export interface KernelState {
  readonly variant: Variant
  /** run the patch with its known bugs corrected */
  readonly fixes: boolean
  /** number of steps executed */
  readonly tick: number
  readonly nextId: number
  /** bump allocator for physical frames */
  readonly nextPfn: number
  readonly nextMmapPage: number
  /** the VMM's fd table, by fd number */
  readonly fds: Readonly<Record<string, FdEntry>>
  readonly files: Readonly<Record<string, OpenFile>>
  readonly inodes: Readonly<Record<string, Inode>>
  readonly vms: Readonly<Record<string, KvmVm>>
  readonly vmas: Readonly<Record<string, Vma>>
  /** WARN_ON_ONCE sites that already fired */
  readonly warnedOnce: readonly string[]
  /** armed one-shot fault injections, by kind (see the inject action) */
  readonly inject: Readonly<Record<string, number>>
  /** why the kernel is tainted: oopses, BUGs, KASAN reports */
  readonly taint: readonly string[]
  /** Gunyah VMs, bindings and folio ownership (gunyah-v15 / gunyah-v17 only; empty otherwise) */
  readonly gunyah: GunyahState
  /** kvm-upstream / kvm-v14-mmap: the host's KVM configuration and the vCPUs (unused otherwise) */
  readonly kvmUpstream: KvmUpstreamState
}

export const FIRST_PFN = 0x100000
export const FIRST_MMAP_PAGE = 0x7f0000000

export function initialState(variant: Variant, fixes = false): KernelState {
  return {
    variant,
    fixes,
    tick: 0,
    nextId: 1,
    nextPfn: FIRST_PFN,
    nextMmapPage: FIRST_MMAP_PAGE,
    fds: {},
    files: {},
    inodes: {},
    vms: {},
    vmas: {},
    warnedOnce: [],
    inject: {},
    taint: [],
    gunyah: { vms: {}, bindings: {}, pages: {}, ptes: {}, reclaimFails: [], leaked: [] },
    kvmUpstream: { host: DEFAULT_KVM_HOST, vcpus: {}, nMaxMmuPages: {} },
  }
}

/**
 * What the simulated host's KVM supports (kvm-upstream, kvm-v14-mmap): the kernel config and module
 * parameters a real host decides with KVM_CHECK_EXTENSION. The `host_config` op sets it before the
 * first VM; the default is an x86-64 host with TDP (EPT/NPT), SMM and CONFIG_KVM_SW_PROTECTED_VM.
 */
export interface KvmHostConfig {
  /** KVM_CAP_VM_TYPES: bit n set = VM type n can be created */
  readonly vmTypes: number
  /** CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES: KVM_SET_MEMORY_ATTRIBUTES exists */
  readonly memoryAttributes: boolean
  /** tdp_enabled (EPT/NPT); without it KVM uses shadow paging and KVM_PRE_FAULT_MEMORY is -EOPNOTSUPP */
  readonly tdp: boolean
  /** kvm_arch_nr_memslot_as_ids(): 2 with SMM, 1 without */
  readonly addressSpaces: number
}

export const DEFAULT_KVM_HOST: KvmHostConfig = { vmTypes: 0b11, memoryAttributes: true, tdp: true, addressSpaces: 2 }

/** `struct kvm_vcpu` (the parts KVM_PRE_FAULT_MEMORY and lifetimes need) */
export interface KvmVcpu {
  readonly id: string
  readonly vm: string
  readonly vcpuId: number
}

export interface KvmUpstreamState {
  readonly host: KvmHostConfig
  readonly vcpus: Readonly<Record<string, KvmVcpu>>
  /** kvm->arch.n_max_mmu_pages by VM: 0 until the first memslot CREATE/DELETE commits */
  readonly nMaxMmuPages: Readonly<Record<string, number>>
}

/**
 * ghvm->mm: gfn → the folio provided to the guest (S6 vm_mgr_mem.c). `index` (file page) and `pfn`
 * grow with the gfn; share/write are the entry's SHARE_TAG / WRITE_TAG.
 */
export interface GunyahMmEntry {
  readonly [k: string]: string | number | boolean | null
  readonly inode: string
  readonly index: number
  readonly pfn: number
  /** SHARE_TAG: host keeps access; otherwise lent (private to the VM) */
  readonly share: boolean
  /** WRITE_TAG */
  readonly write: boolean
}

export const GUNYAH_MM_LINEAR = ['index', 'pfn'] as const

/** An entry of ghvm->bindings (v17) / ghvm->mem_layout (v15): which binding covers a gfn. */
export interface GunyahTreeEntry {
  readonly [k: string]: string | number | boolean | null
  readonly binding: string
}

/** `struct gunyah_gmem_binding` */
export interface GunyahBinding {
  readonly id: string
  readonly vm: string
  /** v17: b->file (holds an f_count); v15 stores only the inode */
  readonly file: string
  readonly inode: string
  readonly gfn: number
  readonly iOff: number
  readonly nr: number
  readonly flags: number
  /** erased from the VM tree (a trim whose re-insert failed, B-G17-16) but still on i_private_list */
  readonly orphan: boolean
}

/** `struct gunyah_vm` (the parts guest memory uses) */
export interface GunyahVm {
  readonly id: string
  readonly label: string
  readonly vmid: number
  /**
   * ghvm->kref: the users of the VM. kref_init() in gunyah_vm_alloc() gives the VM fd's
   * reference, which gunyah_vm_release() drops (gunyah_vm_put); the last put runs
   * _gunyah_vm_put(). A binding does not count: `b->ghvm` is a plain pointer, the binding pins
   * the file, not the VM (seed 000/001; semantics.md VD-G2). Optional only so that states
   * built by hand before the field existed still type-check; the engine always sets it.
   */
  readonly refs?: number
  /** gunyah_vm_ensure_started() has run */
  readonly started: boolean
  /** _gunyah_vm_put() has run: the VM is freed */
  readonly destroyed: boolean
  /** ghvm->bindings (v17) / ghvm->mem_layout (v15): maple tree keyed by gfn */
  readonly bindings: RangeMap<GunyahTreeEntry>
  /** ghvm->mm: the folios currently provided to the guest, by gfn */
  readonly mm: RangeMap<GunyahMmEntry>
  /** lend ranges registered with the RM at start (gunyah_gmem_setup_demand_paging), [gfn, nr] */
  readonly demandPaging: readonly (readonly [number, number])[]
}

/** Who a guest_memfd page belongs to now, by file page index (one RangeMap per inode). */
export interface GunyahPage {
  readonly [k: string]: string | number | boolean | null
  /** 'host' or the Gunyah VM id the folio is provided to */
  readonly owner: string
  /** lent: private to the VM; shared: host and guest; reclaimed: back from a VM; host: never given */
  readonly access: 'host' | 'lent' | 'shared' | 'reclaimed'
  /** PG_private: set by provide_folio when lending, cleared by reclaim */
  readonly pgPrivate: boolean
  /** the page is in the kernel's direct map (lending removes it) */
  readonly directMap: boolean
}

/** Host page-table entries a VMA has for its file, by file page index (folio_mapped()). */
export interface GunyahPte {
  readonly [k: string]: string | number | boolean | null
  readonly write: boolean
}

export interface GunyahState {
  readonly vms: Readonly<Record<string, GunyahVm>>
  readonly bindings: Readonly<Record<string, GunyahBinding>>
  /** folio ownership by inode */
  readonly pages: Readonly<Record<string, RangeMap<GunyahPage>>>
  /** host PTEs by VMA id */
  readonly ptes: Readonly<Record<string, RangeMap<GunyahPte>>>
  /** inject reclaim_fails: "vmId:gfn" the hypervisor refuses to give back (GUNYAH_ERROR_DENIED) */
  readonly reclaimFails: readonly string[]
  /** kmemleak: objects that lost their last reference without being freed */
  readonly leaked: readonly string[]
}
