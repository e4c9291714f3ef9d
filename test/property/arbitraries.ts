/**
 * fast-check arbitraries of scenario steps, one family per variant (KVM v11, KVM upstream-like,
 * Gunyah). A generated sequence is abstract: objects are referred to by small indices into "the
 * VMs / guest memfds / mappings created so far" (or a raw, usually invalid, fd), so it shrinks
 * well and always validates. `buildSteps()` turns it into scenario steps with names.
 *
 * Values are biased to the edges: zero lengths, unaligned offsets, the last page, 2 MiB, sizes of
 * 2^63 and 2^64-1 (as strings), overlapping binds on a small grid of gfns and file pages,
 * punching while bound, closing in the middle, invalid fds, and fault injection.
 */
import fc from 'fast-check'
import type { ScenarioStep } from '../../src/engine/scenario'
import type { Variant } from '../../src/engine/state'

export const PROPERTY_VARIANTS: readonly Variant[] = ['kvm-v11', 'kvm-upstream', 'kvm-v14-mmap', 'gunyah-v17', 'gunyah-v15']

/** A reference to an object created earlier: index (mod the number created) or a raw fd. */
export type Ref = number

/** What an abstract step refers to, by category. */
type Cat = 'vm' | 'gmem' | 'map' | 'any'

/** One abstract step: the op, its literal fields, and which fields are references. */
export interface AbstractStep {
  readonly op: string
  readonly fields: Readonly<Record<string, unknown>>
  readonly refs: Readonly<Record<string, readonly [Cat, Ref]>>
  /** the category of what it creates (it gets an "as" name) */
  readonly creates?: Cat
  readonly cpu?: 0 | 1
}

const PAGE = 4096
const U64_MAX = '18446744073709551615'
const S64_MAX = '9223372036854775807'

// ---------------------------------------------------------------------------------------------
// values

/** A reference: mostly a recent object, sometimes a raw fd (stdin, closed, beyond RLIMIT, -1). */
const ref = (cat: Cat): fc.Arbitrary<readonly [Cat, Ref]> =>
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -4, max: -1 }) }).map((r) => [cat, r] as const)

/** A page count: small, with 0 and a 2 MiB folio's worth. */
const pages = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(16, 512, 1024) },
)

/** A byte size or length: pages, mostly aligned, with the u64 edges. */
export const size: fc.Arbitrary<number | string> = fc.oneof(
  { weight: 12, arbitrary: pages.map((p) => p * PAGE) },
  { weight: 1, arbitrary: fc.constantFrom(1, 4095, 4097, PAGE * 3 + 1) },
  { weight: 1, arbitrary: fc.constantFrom(U64_MAX, S64_MAX, '0x8000000000000000', '0xfffffffffffff000', Number.MAX_SAFE_INTEGER) },
)

/** A file offset: the first pages (so ranges overlap), unaligned, or huge. */
const offset: fc.Arbitrary<number | string> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 8 }).map((p) => p * PAGE) },
  { weight: 1, arbitrary: fc.constantFrom(1, 2048, 0x200000) },
  { weight: 1, arbitrary: fc.constantFrom(U64_MAX, '0xfffffffffffff000', S64_MAX) },
)

/** A signed file offset (loff_t): as offset, plus negatives. */
const loff: fc.Arbitrary<number | string> = fc.oneof({ weight: 14, arbitrary: offset }, { weight: 1, arbitrary: fc.constantFrom(-PAGE, -1, '-9223372036854775808') })

/** A guest physical address on a small grid above 1 MiB, so binds overlap. */
const gpa: fc.Arbitrary<number | string> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 12 }).map((p) => 0x100000 + p * PAGE) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0x100800, 0x200000, 0x80000000) },
  { weight: 1, arbitrary: fc.constantFrom(U64_MAX, '0xfffffffffffff000', '0x1000000000000') },
)

const cpu = fc.oneof({ weight: 6, arbitrary: fc.constant(0 as const) }, { weight: 1, arbitrary: fc.constant(1 as const) })

function rec(op: string, fields: Record<string, fc.Arbitrary<unknown>>, refs: Record<string, Cat> = {}, creates?: Cat): fc.Arbitrary<AbstractStep> {
  const refArbs: Record<string, fc.Arbitrary<readonly [Cat, Ref]>> = {}
  for (const [k, c] of Object.entries(refs)) refArbs[k] = ref(c)
  return fc.record({ f: fc.record(fields), r: fc.record(refArbs), cpu }).map(({ f, r, cpu: c }) => ({
    op,
    fields: f,
    refs: r,
    ...(creates ? { creates } : {}),
    ...(c ? { cpu: c } : {}),
  }))
}

// ---------------------------------------------------------------------------------------------
// ops shared by every variant

const falloc = (modes: readonly unknown[]) =>
  rec(
    'fallocate',
    {
      mode: fc.constantFrom(...modes),
      offset: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }).map((p) => p * PAGE) }, { weight: 1, arbitrary: loff }),
      len: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }).map((p) => p * PAGE) }, { weight: 4, arbitrary: size }, { weight: 1, arbitrary: fc.constantFrom(0, -PAGE) }),
    },
    { fd: 'gmem' },
  )

const commonOps = (falllocModes: readonly unknown[], mmapFlags: readonly unknown[], injectKinds: readonly string[]) => [
  { weight: 4, arbitrary: falloc(falllocModes) },
  {
    weight: 2,
    arbitrary: rec(
      'mmap',
      { offset, length: fc.oneof({ weight: 8, arbitrary: pages.map((p) => Math.max(p, 1) * PAGE) }, { weight: 1, arbitrary: fc.constantFrom(0, U64_MAX) }), prot: fc.constantFrom(['PROT_READ', 'PROT_WRITE'], ['PROT_READ'], ['PROT_READ', 'PROT_EXEC']), flags: fc.constantFrom(...mmapFlags) },
      { fd: 'gmem' },
      'map',
    ),
  },
  { weight: 1, arbitrary: rec('munmap', {}, { map: 'map' }) },
  { weight: 3, arbitrary: rec('host_access', { offset: fc.integer({ min: 0, max: 9 }).map((p) => p * PAGE), write: fc.boolean() }, { map: 'map' }) },
  { weight: 2, arbitrary: rec('memory_failure', { offset: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }).map((p) => p * PAGE) }, { weight: 1, arbitrary: loff }) }, { fd: 'gmem' }) },
  { weight: 2, arbitrary: rec('close', {}, { fd: 'any' }) },
  { weight: 1, arbitrary: rec('inject', { kind: fc.constantFrom(...injectKinds) }) },
]

// ---------------------------------------------------------------------------------------------
// KVM

const kvmCreateVm = (types: readonly unknown[]) => rec('KVM_CREATE_VM', { type: fc.constantFrom(...types) }, {}, 'vm')

const kvmRegion = (flagChoices: readonly unknown[]) =>
  rec(
    'KVM_SET_USER_MEMORY_REGION2',
    {
      slot: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(0x10000, 0x10001, 32767, 4294967295) }),
      flags: fc.constantFrom(...flagChoices),
      guest_phys_addr: gpa,
      memory_size: fc.oneof({ weight: 10, arbitrary: pages.map((p) => p * PAGE) }, { weight: 1, arbitrary: fc.constantFrom(PAGE + 1, U64_MAX) }),
      userspace_addr: fc.constantFrom('0x7f0000000000', 0, 0x1001, '0x7f0000000000'),
      guest_memfd_offset: offset,
    },
    { vm: 'vm', guest_memfd: 'gmem' },
  )

const kvmAttributes = rec(
  'KVM_SET_MEMORY_ATTRIBUTES',
  { address: gpa, size: size, attributes: fc.constantFrom(['KVM_MEMORY_ATTRIBUTE_PRIVATE'], [], ['KVM_MEMORY_ATTRIBUTE_PRIVATE'], 1), flags: fc.constantFrom(0, 0, 0, 1) },
  { vm: 'vm' },
)

const guestAccess = rec('guest_access', { gpa, write: fc.boolean(), private: fc.boolean() }, { vm: 'vm' })

function kvmV11Steps(): fc.Arbitrary<AbstractStep> {
  return fc.oneof(
    { weight: 3, arbitrary: kvmCreateVm([['KVM_X86_SW_PROTECTED_VM'], ['KVM_X86_SW_PROTECTED_VM'], [], 7]) },
    { weight: 4, arbitrary: rec('KVM_CREATE_GUEST_MEMFD', { size, flags: fc.constantFrom([], [], [], 1) }, { vm: 'vm' }, 'gmem') },
    { weight: 6, arbitrary: kvmRegion([['KVM_MEM_PRIVATE'], ['KVM_MEM_PRIVATE'], [], ['KVM_MEM_PRIVATE', 'KVM_MEM_READONLY'], ['KVM_MEM_READONLY'], 8]) },
    { weight: 3, arbitrary: kvmAttributes },
    {
      weight: 2,
      arbitrary: rec('KVM_MAP_MEMORY', { base_gfn: fc.integer({ min: 0x100, max: 0x10c }), nr_pages: fc.constantFrom(0, 1, 4, 600, U64_MAX), flags: fc.constantFrom(['KVM_MEMORY_MAPPING_FLAG_PRIVATE'], ['KVM_MEMORY_MAPPING_FLAG_WRITE'], [], 16), source: fc.constantFrom(0, 0, 1) }, { vm: 'vm' }),
    },
    { weight: 5, arbitrary: guestAccess },
    ...commonOps([['FALLOC_FL_KEEP_SIZE'], ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], [], ['FALLOC_FL_ZERO_RANGE'], 0x80], [['MAP_SHARED']], ['failslab', 'fail_page_alloc', 'xa_store']),
  )
}

function kvmUpstreamSteps(variant: Variant): fc.Arbitrary<AbstractStep> {
  const gmemFlags = variant === 'kvm-upstream' ? [[], ['GUEST_MEMFD_FLAG_MMAP'], ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'], 4] : [[], ['GUEST_MEMFD_FLAG_MMAP'], ['GUEST_MEMFD_FLAG_MMAP'], 2]
  return fc.oneof(
    { weight: 1, arbitrary: rec('host_config', { vm_types: fc.constantFrom(3, 1), memory_attributes: fc.boolean(), tdp: fc.boolean(), address_spaces: fc.constantFrom(2, 1) }) },
    { weight: 3, arbitrary: kvmCreateVm([['KVM_X86_SW_PROTECTED_VM'], [], [], 7]) },
    { weight: 1, arbitrary: rec('KVM_CREATE_VCPU', { id: fc.constantFrom(0, 1, 4096) }, { vm: 'vm' }, 'any') },
    { weight: 1, arbitrary: rec('KVM_CHECK_EXTENSION', { cap: fc.constantFrom(['KVM_CAP_GUEST_MEMFD'], ['KVM_CAP_GUEST_MEMFD_FLAGS'], ['KVM_CAP_VM_TYPES'], 9999) }, { vm: 'vm' }) },
    { weight: 4, arbitrary: rec('KVM_CREATE_GUEST_MEMFD', { size, flags: fc.constantFrom(...gmemFlags) }, { vm: 'vm' }, 'gmem') },
    { weight: 6, arbitrary: kvmRegion([['KVM_MEM_GUEST_MEMFD'], ['KVM_MEM_GUEST_MEMFD'], [], ['KVM_MEM_GUEST_MEMFD', 'KVM_MEM_READONLY'], ['KVM_MEM_READONLY'], 8]) },
    { weight: 3, arbitrary: kvmAttributes },
    { weight: 2, arbitrary: rec('KVM_PRE_FAULT_MEMORY', { gpa, size, flags: fc.constantFrom(0, 0, 1) }, { vm: 'vm' }) },
    { weight: 5, arbitrary: guestAccess },
    { weight: 1, arbitrary: fc.oneof(...(['pread', 'pwrite'] as const).map((op) => rec(op, { count: fc.constantFrom(0, 4096, U64_MAX), offset: loff }, { fd: 'any' }))) },
    { weight: 1, arbitrary: fc.oneof(...(['read', 'write'] as const).map((op) => rec(op, { count: fc.constantFrom(0, 4096) }, { fd: 'any' }))) },
    { weight: 1, arbitrary: rec('lseek', { offset: loff, whence: fc.constantFrom(['SEEK_SET'], ['SEEK_END'], ['SEEK_HOLE'], 5) }, { fd: 'any' }) },
    { weight: 1, arbitrary: rec('ftruncate', { length: loff }, { fd: 'gmem' }) },
    ...commonOps(
      [['FALLOC_FL_KEEP_SIZE'], ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], [], ['FALLOC_FL_ZERO_RANGE'], 0x80],
      [['MAP_SHARED'], ['MAP_SHARED'], ['MAP_PRIVATE'], ['MAP_SHARED_VALIDATE']],
      ['failslab', 'fail_page_alloc', 'xa_store'],
    ),
  )
}

// ---------------------------------------------------------------------------------------------
// Gunyah

const RW = ['GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE']
const GUNYAH_FLAGS: readonly unknown[] = [
  ['GUNYAH_MEM_FORCE_LEND', ...RW],
  ['GUNYAH_MEM_FORCE_LEND', ...RW],
  ['GUNYAH_MEM_FORCE_SHARE', ...RW],
  ['GUNYAH_MEM_DEFAULT_ACCESS', 'GUNYAH_MEM_ALLOW_READ'],
  ['GUNYAH_MEM_FORCE_LEND', ...RW, 'GUNYAH_MEM_UNMAP'],
  ['GUNYAH_MEM_FORCE_SHARE', ...RW, 'GUNYAH_MEM_UNMAP'],
  ['GUNYAH_MEM_FORCE_LEND'],
  0x1000,
]

function gunyahSteps(): fc.Arbitrary<AbstractStep> {
  return fc.oneof(
    { weight: 3, arbitrary: rec('GUNYAH_CREATE_VM', {}, {}, 'vm') },
    { weight: 4, arbitrary: rec('GUNYAH_CREATE_GUEST_MEM', { size, flags: fc.constantFrom([], [], [], ['GHMF_ALLOW_HUGEPAGE'], ['GHMF_CLOEXEC'], 4) }, {}, 'gmem') },
    {
      weight: 8,
      arbitrary: rec(
        'GUNYAH_VM_MAP_MEM',
        { guest_addr: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 8 }).map((p) => 0x80000000 + p * PAGE) }, { weight: 1, arbitrary: fc.constantFrom(0x80000800, U64_MAX, '0xfffffffffffff000') }), flags: fc.constantFrom(...GUNYAH_FLAGS), offset, size },
        { vm: 'vm', guest_mem_fd: 'gmem' },
      ),
    },
    { weight: 3, arbitrary: rec('GUNYAH_VM_START', {}, { vm: 'vm' }) },
    { weight: 6, arbitrary: rec('guest_access', { gpa: fc.integer({ min: 0, max: 9 }).map((p) => 0x80000000 + p * PAGE), write: fc.boolean() }, { vm: 'vm' }) },
    { weight: 1, arbitrary: rec('inject', { kind: fc.constant('reclaim_fails'), gpa: fc.integer({ min: 0, max: 8 }).map((p) => 0x80000000 + p * PAGE) }, { vm: 'vm' }) },
    ...commonOps(
      [['FALLOC_FL_KEEP_SIZE'], ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_ZERO_RANGE'], []],
      [['MAP_SHARED'], ['MAP_SHARED'], ['MAP_PRIVATE']],
      ['failslab', 'fail_page_alloc'],
    ),
  )
}

/** Steps for a variant. */
export function stepArb(variant: Variant): fc.Arbitrary<AbstractStep> {
  switch (variant) {
    case 'kvm-v11':
      return kvmV11Steps()
    case 'kvm-upstream':
    case 'kvm-v14-mmap':
      return kvmUpstreamSteps(variant)
    default:
      return gunyahSteps()
  }
}

/** A setup that gets a run past the creation steps: VM, guest memfd, a bind (and a start). */
function setupArb(variant: Variant): fc.Arbitrary<AbstractStep[]> {
  const at = (op: string, fields: Record<string, unknown>, refs: Record<string, readonly [Cat, Ref]> = {}, creates?: Cat): AbstractStep => ({ op, fields, refs, ...(creates ? { creates } : {}) })
  const latestVm = ['vm', 0] as const
  const latestGmem = ['gmem', 0] as const
  const latestMap = ['map', 0] as const
  if (variant.startsWith('gunyah')) {
    return fc.record({ n: fc.integer({ min: 2, max: 8 }), share: fc.boolean(), huge: fc.boolean(), mmap: fc.boolean(), touch: fc.boolean() }).map(({ n, share, huge, mmap, touch }) => [
      at('GUNYAH_CREATE_VM', {}, {}, 'vm'),
      at('GUNYAH_CREATE_GUEST_MEM', { size: huge ? 0x400000 : n * PAGE, flags: huge ? ['GHMF_ALLOW_HUGEPAGE'] : [] }, {}, 'gmem'),
      at('GUNYAH_VM_MAP_MEM', { guest_addr: 0x80000000, flags: GUNYAH_FLAGS[share ? 2 : 0], offset: 0, size: huge ? 0x200000 : n * PAGE }, { vm: latestVm, guest_mem_fd: latestGmem }),
      at('GUNYAH_VM_START', {}, { vm: latestVm }),
      ...(touch ? [at('guest_access', { gpa: 0x80000000, write: true }, { vm: latestVm })] : []),
      ...(mmap ? [at('mmap', { offset: 0, length: n * PAGE, prot: ['PROT_READ', 'PROT_WRITE'], flags: ['MAP_SHARED'] }, { fd: latestGmem }, 'map'), at('host_access', { offset: 0, write: true }, { map: latestMap })] : []),
    ])
  }
  const v11 = variant === 'kvm-v11'
  return fc.record({ n: fc.integer({ min: 2, max: 8 }), mmap: fc.boolean(), priv: fc.boolean(), touch: fc.boolean() }).map(({ n, mmap, priv, touch }) => {
    const shared = !v11 && mmap
    return [
      at('KVM_CREATE_VM', { type: shared ? [] : ['KVM_X86_SW_PROTECTED_VM'] }, {}, 'vm'),
      at('KVM_CREATE_GUEST_MEMFD', { size: n * PAGE, flags: !shared ? [] : variant === 'kvm-upstream' ? ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] : ['GUEST_MEMFD_FLAG_MMAP'] }, { vm: latestVm }, 'gmem'),
      at(
        'KVM_SET_USER_MEMORY_REGION2',
        { slot: 0, flags: [v11 ? 'KVM_MEM_PRIVATE' : 'KVM_MEM_GUEST_MEMFD'], guest_phys_addr: 0x100000, memory_size: n * PAGE, userspace_addr: '0x7f0000000000', guest_memfd_offset: 0 },
        { vm: latestVm, guest_memfd: latestGmem },
      ),
      ...(priv && !shared ? [at('KVM_SET_MEMORY_ATTRIBUTES', { address: 0x100000, size: n * PAGE, attributes: ['KVM_MEMORY_ATTRIBUTE_PRIVATE'], flags: 0 }, { vm: latestVm })] : []),
      ...(touch ? [at('guest_access', { gpa: 0x100000, write: true, private: priv && !shared }, { vm: latestVm })] : []),
      ...(shared ? [at('mmap', { offset: 0, length: n * PAGE, prot: ['PROT_READ', 'PROT_WRITE'], flags: ['MAP_SHARED'] }, { fd: latestGmem }, 'map'), at('host_access', { offset: 0, write: true }, { map: latestMap })] : []),
    ]
  })
}

/** A sequence for a variant: an optional setup, then up to `maxSteps` random steps. */
export function sequenceArb(variant: Variant, maxSteps = 24): fc.Arbitrary<AbstractStep[]> {
  return fc
    .tuple(fc.option(setupArb(variant), { freq: 3, nil: null }), fc.array(stepArb(variant), { minLength: 1, maxLength: maxSteps, size: 'max' }))
    .map(([setup, body]) => [...(setup ?? []), ...body])
}

// ---------------------------------------------------------------------------------------------
// building scenario steps

const RAW_FDS = [-1, 2, 1000, 77] as const

/**
 * Turns abstract steps into scenario steps: creating steps get names (vm0, g0, m0, o0), and a
 * reference resolves to a name created earlier in its category (newest first), or to a raw fd
 * when it is negative or nothing of its category exists yet.
 */
export function buildSteps(abstract: readonly AbstractStep[]): ScenarioStep[] {
  const names: Record<Cat, string[]> = { vm: [], gmem: [], map: [], any: [] }
  const prefix: Record<Cat, string> = { vm: 'vm', gmem: 'g', map: 'm', any: 'o' }
  return abstract.map((a) => {
    const step: Record<string, unknown> = { op: a.op, ...a.fields }
    for (const [field, [cat, r]] of Object.entries(a.refs)) {
      const pool = cat === 'any' ? [...names.vm, ...names.gmem, ...names.any] : names[cat]
      if (r < 0 || pool.length === 0) {
        const raw = RAW_FDS[Math.abs(r) % RAW_FDS.length]!
        step[field] = cat === 'map' && raw >= 0 ? raw * 0x1000 : raw
      } else step[field] = pool[pool.length - 1 - (r % pool.length)]!
    }
    if (a.creates) {
      const list = names[a.creates]
      const name = `${prefix[a.creates]}${list.length}`
      list.push(name)
      step.as = name
    }
    if (a.cpu) step.cpu = a.cpu
    return step as ScenarioStep
  })
}
