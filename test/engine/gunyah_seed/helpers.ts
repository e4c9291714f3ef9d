/**
 * Helpers for the seed-derived Gunyah tests: scenarios run through validateScenario → runScenario
 * (the runner's code path), and state look-ups by the names the scenario gave. The expectations in
 * the tests that use these are written from the seed code (seed 000 = v17 24/35, seed 001 = RFC
 * v15 21/30), not from the engine's output.
 */
import { runScenario, validateScenario, type RunOutput } from '../../../src/engine/scenario'
import type { KernelState, GunyahBinding, GunyahPage, GunyahVm, OpenFile } from '../../../src/engine/state'
import type { StepResult } from '../../../src/engine/result'
import '../../../src/engine/step'

export type Step = Record<string, unknown>
export type Variant = 'gunyah-v17' | 'gunyah-v15'

export const PAGE = 0x1000
export const RW = ['GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE']
export const RWX = ['GUNYAH_MEM_ALLOW_RWX']
export const LEND = ['GUNYAH_MEM_FORCE_LEND', ...RW]
export const SHARE = ['GUNYAH_MEM_FORCE_SHARE', ...RW]
export const DEFAULT = ['GUNYAH_MEM_DEFAULT_ACCESS', ...RW]
export const unmapOf = (flags: readonly string[]): string[] => [...flags, 'GUNYAH_MEM_UNMAP']

export interface Run extends RunOutput {
  res(n: number): StepResult
  state(n: number): KernelState
  readonly final: KernelState
}

export function run(steps: readonly Step[], opts: { fixes?: boolean; variant?: Variant } = {}): Run {
  const parsed = validateScenario(
    JSON.parse(
      JSON.stringify({
        format: 'gmemscope/scenario@1',
        title: 'gunyah seed test',
        variant: opts.variant ?? 'gunyah-v17',
        fixes: opts.fixes ?? false,
        steps,
      }),
    ),
  )
  if (!parsed.ok) throw new Error(`invalid test scenario:\n  ${parsed.errors.join('\n  ')}`)
  const out = runScenario(parsed.scenario, { fixes: opts.fixes ?? false, keepStates: true })
  return {
    ...out,
    res(n: number) {
      const r = out.records[n - 1]
      if (!r) throw new Error(`no step ${n}`)
      return r.result
    },
    state(n: number) {
      const s = out.states[n]
      if (!s) throw new Error(`no state after step ${n}`)
      return s
    },
    get final() {
      return out.states[out.states.length - 1]!
    },
  }
}

// ---- step builders (uapi names)
export const vm = (as = 'vm0'): Step => ({ op: 'GUNYAH_CREATE_VM', as })
export const gmem = (size: string | number, as = 'g0', flags: string[] | number = []): Step => ({ op: 'GUNYAH_CREATE_GUEST_MEM', size, flags, as })
export const map = (
  v: string,
  guest_addr: string | number,
  flags: readonly string[] | number,
  g: string | number,
  offset: string | number,
  size: string | number,
): Step => ({ op: 'GUNYAH_VM_MAP_MEM', vm: v, guest_addr, flags, guest_mem_fd: g, offset, size })
export const unmap = (v: string, guest_addr: string | number, flags: readonly string[] | number, g: string, offset: string | number, size: string | number): Step =>
  map(v, guest_addr, typeof flags === 'number' ? flags | 0x100 : unmapOf(flags), g, offset, size)
export const start = (v = 'vm0'): Step => ({ op: 'GUNYAH_VM_START', vm: v })
export const touch = (v: string, gpa: string | number, write = true): Step => ({ op: 'guest_access', vm: v, gpa, write })
export const mmap = (fd: string, offset: string | number, length: string | number, as = 'm', flags: string[] = ['MAP_SHARED']): Step => ({
  op: 'mmap',
  fd,
  offset,
  length,
  flags,
  as,
})
export const munmap = (m: string): Step => ({ op: 'munmap', map: m })
export const hostAccess = (m: string, offset: string | number = 0, write = true): Step => ({ op: 'host_access', map: m, offset, write })
export const punch = (fd: string, offset: string | number, len: string | number): Step => ({
  op: 'fallocate',
  fd,
  mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'],
  offset,
  len,
})
export const alloc = (fd: string, offset: string | number, len: string | number): Step => ({ op: 'fallocate', fd, mode: ['FALLOC_FL_KEEP_SIZE'], offset, len })
export const close = (fd: string | number): Step => ({ op: 'close', fd })
export const poison = (fd: string, offset: string | number): Step => ({ op: 'memory_failure', fd, offset })
export const reclaimFails = (v: string, gpa: string | number): Step => ({ op: 'inject', kind: 'reclaim_fails', vm: v, gpa })

// ---- state look-ups
export function fileNamed(s: KernelState, label: string): OpenFile {
  const f = Object.values(s.files).find((x) => x.label === label)
  if (!f) throw new Error(`no file labelled ${label}`)
  return f
}

export function ghvmNamed(s: KernelState, label: string): GunyahVm {
  const v = Object.values(s.gunyah.vms).find((x) => x.label === label)
  if (!v) throw new Error(`no Gunyah VM labelled ${label}`)
  return v
}

export function inodeIdOf(s: KernelState, gmemLabel: string): string {
  const f = fileNamed(s, gmemLabel)
  if (!f.inode) throw new Error(`${gmemLabel} has no inode`)
  return f.inode
}

/** A binding in the shape the seed's struct has, for comparisons: {vm label, gfn, iOff, nr}. */
export interface B {
  vm: string
  gfn: number
  iOff: number
  nr: number
}

function shape(s: KernelState, b: GunyahBinding): B {
  const v = s.gunyah.vms[b.vm]
  return { vm: v ? v.label : b.vm, gfn: b.gfn, iOff: b.iOff, nr: b.nr }
}

/** inode->i_mapping->i_private_list of the gmem, head (newest) first. */
export function privateList(s: KernelState, gmemLabel: string): B[] {
  const inode = s.inodes[inodeIdOf(s, gmemLabel)]!
  return inode.privateList.map((id) => {
    const b = s.gunyah.bindings[id]
    if (!b) throw new Error(`dangling binding ${id} on i_private_list`)
    return shape(s, b)
  })
}

/** ghvm->bindings (v17) / ghvm->mem_layout (v15), as [gfn, gfn+nr) ranges in gfn order. */
export function vmTree(s: KernelState, vmLabel: string): B[] {
  const v = ghvmNamed(s, vmLabel)
  const ids: string[] = []
  for (const e of v.bindings) if (!ids.includes(e.value.binding)) ids.push(e.value.binding)
  return ids.map((id) => shape(s, s.gunyah.bindings[id]!))
}

/** Owner label ('host' or VM label) and access of file page `index`. */
export function pageOf(s: KernelState, gmemLabel: string, index: number): { owner: string; access: GunyahPage['access']; pgPrivate: boolean } | null {
  const pages = s.gunyah.pages[inodeIdOf(s, gmemLabel)] ?? []
  const e = pages.find((x) => x.start <= index && index < x.end)
  if (!e) return null
  const v = s.gunyah.vms[e.value.owner]
  return { owner: v ? v.label : e.value.owner, access: e.value.access, pgPrivate: e.value.pgPrivate }
}

/** The gfns present in ghvm->mm of the VM (what the guest currently has). */
export function mmGfns(s: KernelState, vmLabel: string): number[] {
  const out: number[] = []
  for (const e of ghvmNamed(s, vmLabel).mm) for (let g = e.start; g < e.end; g++) out.push(g)
  return out
}

/** Whether the file page is in the page cache. */
export function cached(s: KernelState, gmemLabel: string, index: number): boolean {
  const folios = s.inodes[inodeIdOf(s, gmemLabel)]!.folios
  return folios.some((x) => x.start <= index && index < x.end)
}

// ---- lock events
/** "class:mode" of the acquires of a step, optionally only the given classes. */
export function acquires(r: StepResult, classes?: readonly string[]): string[] {
  return r.locks.filter((e) => e.kind === 'acquire' && (!classes || classes.includes(e.cls))).map((e) => `${e.cls}:${e.mode}`)
}

/** Each acquire with the locks held at that moment ("held → acquired" edges), classes only. */
export function edges(r: StepResult): string[] {
  const held: string[] = []
  const out: string[] = []
  for (const e of r.locks) {
    if (e.kind === 'acquire') {
      for (const h of held) if (h !== e.cls) out.push(`${h} -> ${e.cls}`)
      held.push(e.cls)
    } else if (e.kind === 'release') {
      const i = held.lastIndexOf(e.cls)
      if (i >= 0) held.splice(i, 1)
    }
  }
  return [...new Set(out)]
}

export const INV = 'mapping.invalidate_lock'
export const BIND = '&ghvm->bindings_lock'
export const FOLIO = 'folio_lock'
export const MMAP = '&mm->mmap_lock'
export const IMMAP = '&mapping->i_mmap_rwsem'
export const logText = (r: StepResult): string => r.log.map((l) => l.text).join('\n')
