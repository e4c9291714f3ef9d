/** Builds and runs Gunyah scenarios through runScenario, as the runner does. */
import { runScenario, validateScenario, type RunOutput } from '../../../src/engine/scenario'
import type { KernelState } from '../../../src/engine/state'
import type { LockEvent } from '../../../src/engine/result'
import '../../../src/engine/step'

export type Step = Record<string, unknown>

export const RW = ['GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE']
export const LEND = ['GUNYAH_MEM_FORCE_LEND', ...RW]
export const SHARE = ['GUNYAH_MEM_FORCE_SHARE', ...RW]
export const UNMAP = [...LEND, 'GUNYAH_MEM_UNMAP']

export function run(steps: Step[], opts: { fixes?: boolean; variant?: 'gunyah-v17' | 'gunyah-v15' } = {}): RunOutput {
  const parsed = validateScenario({
    format: 'gmemscope/scenario@1',
    title: 'test',
    variant: opts.variant ?? 'gunyah-v17',
    fixes: opts.fixes ?? false,
    steps,
  })
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return runScenario(parsed.scenario)
}

/** The result of the last step. */
export function last(out: RunOutput) {
  return out.records[out.records.length - 1]!.result
}

export const vm = (as = 'vm0'): Step => ({ op: 'GUNYAH_CREATE_VM', as })
export const gmem = (size: string | number, as = 'g0', flags: string[] = []): Step => ({ op: 'GUNYAH_CREATE_GUEST_MEM', size, flags, as })
export const map = (v: string, guest_addr: string, flags: string[] | number, g: string, offset: string | number, size: string | number): Step => ({
  op: 'GUNYAH_VM_MAP_MEM',
  vm: v,
  guest_addr,
  flags,
  guest_mem_fd: g,
  offset,
  size,
})
export const start = (v = 'vm0'): Step => ({ op: 'GUNYAH_VM_START', vm: v })
export const touch = (v: string, gpa: string, write = true): Step => ({ op: 'guest_access', vm: v, gpa, write })

/** One VM, one 64 KiB file lent whole at gfn 0x80000, started. */
export const lentSetup = (size = '0x10000'): Step[] => [vm(), gmem(size), map('vm0', '0x80000000', LEND, 'g0', 0, size), start()]

/** The ownership of file page `index` of the first guest memfd. */
export function page(state: KernelState, index: number) {
  const inode = Object.values(state.inodes)[0]!
  const e = (state.gunyah.pages[inode.id] ?? []).find((x) => x.start <= index && index < x.end)
  return e?.value ?? null
}

/** The mm entries of the first VM. */
export function mm(state: KernelState, vmIndex = 0) {
  return Object.values(state.gunyah.vms)[vmIndex]!.mm
}

/** Lock acquisitions as "class:mode" in order. */
export function acquires(locks: readonly LockEvent[]): string[] {
  return locks.filter((l) => l.kind === 'acquire').map((l) => `${l.cls}:${l.mode}`)
}

export function gmemFile(state: KernelState) {
  return Object.values(state.files).find((f) => f.kind === 'gunyah-gmem')!
}
