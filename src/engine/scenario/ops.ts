/**
 * The fields of each scenario op, by uapi name: what kind of value each takes and its default.
 * Validation, lowering to engine actions, the runner's strace-style lines and the app's
 * operation forms all read this one table.
 */

export type FieldKind =
  /** __u64: 0 .. 2^64-1 */
  | 'u64'
  /** loff_t and other signed 64-bit values */
  | 's64'
  /** __u32 */
  | 'u32'
  /** a name of any created object (fd or VM), or a raw fd number */
  | 'fd'
  /** a name of a mapping created by mmap, or a raw address */
  | 'map'
  /** flag names from the variant's uapi constant group, or a raw number */
  | 'flags'
  | 'bool'
  /** one of `values` */
  | 'enum'

export interface FieldSpec {
  readonly name: string
  readonly kind: FieldKind
  /** for flags: the constant group; for enum: unused */
  readonly group?: string
  readonly values?: readonly string[]
  /** absent fields take this value; a field without default is required */
  readonly default?: unknown
  /** how the runner prints it: hex for addresses and offsets */
  readonly hex?: boolean
  readonly help?: string
  /** only these variants have the field (an op shared by all variants with a variant-only argument) */
  readonly variants?: readonly string[]
}

export interface OpSpec {
  readonly op: string
  readonly fields: readonly FieldSpec[]
  /** what the step's "as" names: an fd, a mapping, or nothing */
  readonly creates?: 'fd' | 'map'
  readonly help: string
}

const KVM_VARIANTS = ['kvm-v11', 'kvm-upstream', 'kvm-v14-mmap']
const GUNYAH_VARIANTS = ['gunyah-v17', 'gunyah-v15']

const f = (name: string, kind: FieldKind, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, kind, ...extra })

export const OP_SPECS: Readonly<Record<string, OpSpec>> = {
  KVM_CREATE_VM: {
    op: 'KVM_CREATE_VM',
    help: 'ioctl(/dev/kvm, KVM_CREATE_VM, type): a new VM fd',
    creates: 'fd',
    fields: [f('type', 'flags', { group: 'vmType', default: 0 })],
  },
  KVM_CREATE_GUEST_MEMFD: {
    op: 'KVM_CREATE_GUEST_MEMFD',
    help: 'ioctl(vm, KVM_CREATE_GUEST_MEMFD, {size, flags}): a new guest_memfd',
    creates: 'fd',
    fields: [f('vm', 'fd'), f('size', 'u64', { hex: true }), f('flags', 'flags', { group: 'gmemFlags', default: 0 })],
  },
  KVM_SET_USER_MEMORY_REGION2: {
    op: 'KVM_SET_USER_MEMORY_REGION2',
    help: 'ioctl(vm, KVM_SET_USER_MEMORY_REGION2, ...): create, modify or delete (memory_size 0) a memslot',
    fields: [
      f('vm', 'fd'),
      f('slot', 'u32'),
      f('flags', 'flags', { group: 'memslotFlags', default: 0 }),
      f('guest_phys_addr', 'u64', { hex: true }),
      f('memory_size', 'u64', { hex: true }),
      f('userspace_addr', 'u64', { hex: true, default: 0 }),
      f('guest_memfd', 'fd', { default: 0 }),
      f('guest_memfd_offset', 'u64', { hex: true, default: 0 }),
    ],
  },
  KVM_SET_MEMORY_ATTRIBUTES: {
    op: 'KVM_SET_MEMORY_ATTRIBUTES',
    help: 'ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, ...): make gfns private or shared',
    fields: [
      f('vm', 'fd'),
      f('address', 'u64', { hex: true }),
      f('size', 'u64', { hex: true }),
      f('attributes', 'flags', { group: 'memAttributes', default: 0 }),
      f('flags', 'u64', { default: 0 }),
    ],
  },
  KVM_MAP_MEMORY: {
    op: 'KVM_MAP_MEMORY',
    help: 'ioctl(vcpu, KVM_MAP_MEMORY, {base_gfn, nr_pages, flags, source}): pre-populate guest memory',
    fields: [
      f('vm', 'fd'),
      f('base_gfn', 'u64', { hex: true }),
      f('nr_pages', 'u64'),
      f('flags', 'flags', { group: 'mapMemoryFlags', default: 0 }),
      f('source', 'u64', { hex: true, default: 0 }),
    ],
  },
  fallocate: {
    op: 'fallocate',
    help: 'fallocate(fd, mode, offset, len): allocate, or punch a hole',
    fields: [f('fd', 'fd'), f('mode', 'flags', { group: 'fallocate' }), f('offset', 's64', { hex: true }), f('len', 's64', { hex: true })],
  },
  mmap: {
    op: 'mmap',
    help: 'mmap(NULL, length, prot, flags, fd, offset): map the file in the VMM',
    creates: 'map',
    fields: [
      f('fd', 'fd'),
      f('offset', 'u64', { hex: true, default: 0 }),
      f('length', 'u64', { hex: true }),
      f('prot', 'flags', { group: 'prot', default: ['PROT_READ', 'PROT_WRITE'] }),
      f('flags', 'flags', { group: 'mmap', default: ['MAP_SHARED'] }),
    ],
  },
  munmap: {
    op: 'munmap',
    help: 'munmap(map, length): remove a mapping',
    fields: [f('map', 'map')],
  },
  host_access: {
    op: 'host_access',
    help: 'the VMM reads or writes its mapping at offset',
    fields: [f('map', 'map'), f('offset', 'u64', { hex: true, default: 0 }), f('write', 'bool', { default: false })],
  },
  guest_access: {
    op: 'guest_access',
    help: 'a vCPU reads or writes gpa (private: the access is to private memory)',
    fields: [f('vm', 'fd'), f('gpa', 'u64', { hex: true }), f('write', 'bool', { default: false }), f('private', 'bool', { default: false, variants: KVM_VARIANTS })],
  },
  memory_failure: {
    op: 'memory_failure',
    help: 'a hardware memory error hits the page at offset of the file',
    fields: [f('fd', 'fd'), f('offset', 's64', { hex: true })],
  },
  close: {
    op: 'close',
    help: 'close(fd)',
    fields: [f('fd', 'fd')],
  },
  inject: {
    op: 'inject',
    help: 'arm a one-shot failure of the next allocation of a kind',
    fields: [
      f('kind', 'enum', { values: ['failslab', 'fail_page_alloc', 'xa_store', 'reclaim_fails'] }),
      f('vm', 'fd', { default: 0, help: 'reclaim_fails (Gunyah): the VM', variants: GUNYAH_VARIANTS }),
      f('gpa', 'u64', { hex: true, default: 0, help: 'reclaim_fails (Gunyah): the guest address whose folio the hypervisor keeps', variants: GUNYAH_VARIANTS }),
    ],
  },
  GUNYAH_CREATE_VM: {
    op: 'GUNYAH_CREATE_VM',
    help: 'ioctl(/dev/gunyah, GUNYAH_CREATE_VM, 0): a new Gunyah VM fd',
    creates: 'fd',
    fields: [],
  },
  GUNYAH_CREATE_GUEST_MEM: {
    op: 'GUNYAH_CREATE_GUEST_MEM',
    help: 'ioctl(/dev/gunyah, GUNYAH_CREATE_GUEST_MEM, {flags, size}): a guest memfd, not tied to any VM',
    creates: 'fd',
    fields: [f('size', 'u64', { hex: true }), f('flags', 'flags', { group: 'gunyahGmemFlags', default: 0 })],
  },
  GUNYAH_VM_MAP_MEM: {
    op: 'GUNYAH_VM_MAP_MEM',
    help: 'ioctl(vm, GUNYAH_VM_MAP_MEM, {guest_addr, flags, guest_mem_fd, offset, size}): bind (or with GUNYAH_MEM_UNMAP unbind) guest memory',
    fields: [
      f('vm', 'fd'),
      f('guest_addr', 'u64', { hex: true }),
      f('flags', 'flags', { group: 'gunyahMapFlags' }),
      f('guest_mem_fd', 'fd'),
      f('offset', 'u64', { hex: true, default: 0 }),
      f('size', 'u64', { hex: true }),
    ],
  },
  GUNYAH_VM_START: {
    op: 'GUNYAH_VM_START',
    help: 'ioctl(vm, GUNYAH_VM_START): start the VM',
    fields: [f('vm', 'fd')],
  },
}

/** Fields every step may carry besides the op's own (cpu: 0 or 1, the CPU whose task runs the step; see docs/lockdep.md). */
export const STEP_META_FIELDS = ['op', 'as', 'expect', 'note', 'cpu'] as const

/** The fields an op takes in a variant (all of them when no variant is given). */
export function fieldsFor(op: string, variant?: string): readonly FieldSpec[] {
  const fields = Object.hasOwn(OP_SPECS, op) ? OP_SPECS[op]!.fields : []
  return variant === undefined ? fields : fields.filter((fs) => !fs.variants || fs.variants.includes(variant))
}

/** Registers the op specs of a variant module (ops shared by name must agree). */
export function registerOpSpecs(specs: Readonly<Record<string, OpSpec>>): void {
  Object.assign(OP_SPECS as Record<string, OpSpec>, specs)
}
