/**
 * A tiny builder for kvm-v11 scenarios in tests. Every test goes through the same code path as
 * the headless runner and the app: validateScenario → runScenario. A step list that does not
 * validate makes the test fail loudly, with the validator's messages.
 */
import {
  SCENARIO_FORMAT,
  runScenario,
  validateScenario,
  type RunOutput,
  type Scenario,
  type ScenarioStep,
} from '../../src/engine/scenario'
import type { LockEvent, StepResult } from '../../src/engine/result'
import type { Inode, KernelState, KvmVm, Memslot, OpenFile } from '../../src/engine/state'
import { rangeCount, rangeLoad, rangeQuery } from '../../src/engine/rangemap'

export type Step = ScenarioStep

export interface KvmRun extends RunOutput {
  /** the result of step n (1-based, as the runner numbers steps) */
  res(n: number): StepResult
  /** the result of the last step */
  readonly last: StepResult
  /** the state after step n (0 = initial) */
  state(n: number): KernelState
}

export interface KvmOptions {
  readonly fixes?: boolean
  readonly title?: string
}

/** Builds the scenario object (format v1, variant kvm-v11). */
export function scenarioOf(steps: readonly Step[], opts: KvmOptions = {}): Scenario {
  return {
    format: SCENARIO_FORMAT,
    title: opts.title ?? 'test',
    variant: 'kvm-v11',
    fixes: opts.fixes ?? false,
    steps,
  }
}

/** Validates and runs steps; throws with the validation errors if they are not a valid scenario. */
export function kvm(steps: readonly Step[], opts: KvmOptions = {}): KvmRun {
  const parsed = validateScenario(JSON.parse(JSON.stringify(scenarioOf(steps, opts))))
  if (!parsed.ok) throw new Error(`invalid test scenario:\n  ${parsed.errors.join('\n  ')}`)
  const out = runScenario(parsed.scenario, { fixes: opts.fixes ?? false, keepStates: true })
  const res = (n: number): StepResult => {
    const rec = out.records[n - 1]
    if (!rec) throw new Error(`no step ${n} (the scenario has ${out.records.length})`)
    return rec.result
  }
  return {
    ...out,
    res,
    get last() {
      return res(out.records.length)
    },
    state(n: number) {
      const s = out.states[n]
      if (!s) throw new Error(`no state after step ${n}`)
      return s
    },
  }
}

/** Runs the same steps as written and with the fixes. */
export function both(steps: readonly Step[]): { asWritten: KvmRun; fixed: KvmRun } {
  return { asWritten: kvm(steps, { fixes: false }), fixed: kvm(steps, { fixes: true }) }
}

// ---------------------------------------------------------------------------------------------
// Step builders (uapi field names, as in scenario files)

export const PAGE = 4096
export const MiB = 1 << 20

export const createVm = (as = 'vm', type: readonly string[] | number = ['KVM_X86_SW_PROTECTED_VM']): Step => ({
  op: 'KVM_CREATE_VM',
  type,
  as,
})

export const createGmem = (vm: string, size: number | string, as = 'g', flags: readonly string[] | number = []): Step => ({
  op: 'KVM_CREATE_GUEST_MEMFD',
  vm,
  size,
  flags,
  as,
})

export interface RegionArgs {
  readonly vm?: string
  readonly slot?: number
  readonly flags?: readonly string[] | number
  readonly gpa?: number | string
  readonly size?: number | string
  readonly uaddr?: number | string
  readonly gmem?: string | number
  readonly offset?: number | string
}

export const region = (a: RegionArgs = {}): Step => ({
  op: 'KVM_SET_USER_MEMORY_REGION2',
  vm: a.vm ?? 'vm',
  slot: a.slot ?? 0,
  flags: a.flags ?? ['KVM_MEM_PRIVATE'],
  guest_phys_addr: a.gpa ?? 0x100000,
  memory_size: a.size ?? 2 * MiB,
  userspace_addr: a.uaddr ?? '0x7f0000000000',
  guest_memfd: a.gmem ?? 'g',
  guest_memfd_offset: a.offset ?? 0,
})

export const fallocate = (fd: string | number, mode: readonly string[] | number, offset: number | string, len: number | string): Step => ({
  op: 'fallocate',
  fd,
  mode,
  offset,
  len,
})
export const alloc = (fd: string, offset: number, len: number): Step => fallocate(fd, ['FALLOC_FL_KEEP_SIZE'], offset, len)
export const punch = (fd: string, offset: number | string, len: number | string): Step =>
  fallocate(fd, ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset, len)

export const attrs = (vm: string, address: number | string, size: number | string, priv = true, extra: Record<string, unknown> = {}): Step => ({
  op: 'KVM_SET_MEMORY_ATTRIBUTES',
  vm,
  address,
  size,
  attributes: priv ? ['KVM_MEMORY_ATTRIBUTE_PRIVATE'] : [],
  ...extra,
})

export const access = (vm: string, gpa: number | string, opts: { write?: boolean; private?: boolean } = {}): Step => ({
  op: 'guest_access',
  vm,
  gpa,
  write: opts.write ?? false,
  private: opts.private ?? true,
})

export const mapMemory = (vm: string, base_gfn: number | string, nr_pages: number | string, flags: readonly string[] | number = ['KVM_MEMORY_MAPPING_FLAG_PRIVATE'], source: number | string = 0): Step => ({
  op: 'KVM_MAP_MEMORY',
  vm,
  base_gfn,
  nr_pages,
  flags,
  source,
})

export const close = (fd: string | number): Step => ({ op: 'close', fd })
export const poison = (fd: string | number, offset: number | string): Step => ({ op: 'memory_failure', fd, offset })
export const inject = (kind: 'failslab' | 'fail_page_alloc' | 'xa_store'): Step => ({ op: 'inject', kind })
export const mmap = (fd: string, length = PAGE, as = 'm'): Step => ({ op: 'mmap', fd, length, as })

/**
 * The usual start: a protected VM "vm", a guest_memfd "g" of `gmemSize`, slot 0 bound to it at
 * gpa 0x100000 (gfn 0x100), the whole slot made private.
 */
export function boundVm(opts: { gmemSize?: number; slotSize?: number; gpa?: number; offset?: number } = {}): Step[] {
  const gmemSize = opts.gmemSize ?? 2 * MiB
  const slotSize = opts.slotSize ?? gmemSize
  const gpa = opts.gpa ?? 0x100000
  return [
    createVm('vm'),
    createGmem('vm', gmemSize, 'g'),
    region({ gpa, size: slotSize, offset: opts.offset ?? 0 }),
    attrs('vm', gpa, slotSize),
  ]
}

// ---------------------------------------------------------------------------------------------
// State look-ups by the names the scenario gave

export function fileNamed(s: KernelState, label: string): OpenFile {
  const f = Object.values(s.files).find((x) => x.label === label)
  if (!f) throw new Error(`no file labelled ${label}`)
  return f
}

export function vmNamed(s: KernelState, label: string): KvmVm {
  const v = Object.values(s.vms).find((x) => x.label === label)
  if (!v) throw new Error(`no VM labelled ${label}`)
  return v
}

export function inodeOf(s: KernelState, fileLabel: string): Inode {
  const f = fileNamed(s, fileLabel)
  if (!f.inode) throw new Error(`${fileLabel} has no inode`)
  const i = s.inodes[f.inode]
  if (!i) throw new Error(`no inode ${f.inode}`)
  return i
}

export function slotOf(s: KernelState, vmLabel: string, id: number, asId = 0): Memslot | undefined {
  return vmNamed(s, vmLabel).memslots[`${asId}:${id}`]
}

/** Number of gfns in [start, end) mapped in the VM's stage-2 tables. */
export function mapped(s: KernelState, vmLabel: string, start: number, end: number): number {
  return rangeCount(vmNamed(s, vmLabel).stage2, start, end)
}

/** The gfn ranges mapped in stage 2 (merged extents). */
export function mappedRanges(s: KernelState, vmLabel: string): { start: number; end: number }[] {
  return rangeQuery(vmNamed(s, vmLabel).stage2, 0, Number.MAX_SAFE_INTEGER).map((e) => ({ start: e.start, end: e.end }))
}

/** Number of file pages in [start, end) present in the page cache of the file's inode. */
export function cached(s: KernelState, fileLabel: string, start: number, end: number): number {
  return rangeCount(inodeOf(s, fileLabel).folios, start, end)
}

export function folioAt(s: KernelState, fileLabel: string, index: number) {
  return rangeLoad(inodeOf(s, fileLabel).folios, index, ['pfn'])
}

export function stage2At(s: KernelState, vmLabel: string, gfn: number) {
  return rangeLoad(vmNamed(s, vmLabel).stage2, gfn, ['index', 'pfn'])
}

// ---------------------------------------------------------------------------------------------
// Lock events

/** "class:mode" of each acquire, in order (optionally only the given classes). */
export function acquires(r: StepResult, classes?: readonly string[]): string[] {
  return r.locks
    .filter((e) => e.kind === 'acquire' && (!classes || classes.includes(e.cls)))
    .map((e) => `${e.cls}:${e.mode}`)
}

/** The classes of each event, deduplicated consecutive, in order (e.g. to see nesting). */
export function events(r: StepResult, classes?: readonly string[]): string[] {
  return r.locks.filter((e) => !classes || classes.includes(e.cls)).map((e) => `${e.kind === 'acquire' ? '+' : '-'}${e.cls}`)
}

/** Index of the first event of a class and kind, -1 if none. */
export function firstEvent(r: StepResult, cls: string, kind: LockEvent['kind'] = 'acquire'): number {
  return r.locks.findIndex((e) => e.cls === cls && e.kind === kind)
}

/** True if every acquire of the step is matched by a release (the step left nothing held). */
export function balanced(r: StepResult): boolean {
  const held = new Map<string, number>()
  for (const e of r.locks) {
    if (e.kind === 'sync') continue // synchronize_srcu() holds nothing
    const k = `${e.cls}|${e.instance}`
    held.set(k, (held.get(k) ?? 0) + (e.kind === 'acquire' ? 1 : -1))
  }
  return [...held.values()].every((v) => v === 0)
}

export const SLOTS = '&kvm->slots_lock'
export const INV = 'mapping.invalidate_lock'
export const MMU = '&kvm->mmu_lock'
export const SRCU = '&kvm->srcu'
export const RCU = 'rcu_read_lock'
export const FOLIO = 'folio_lock'

/** Log lines' text. */
export const logText = (r: StepResult): string => r.log.map((l) => l.text).join('\n')
