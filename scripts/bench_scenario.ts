/**
 * The engine side of npm run bench: scenario steps for one guest size, a stepping session that
 * keeps the handles, and the 10,000-step scenario.
 *
 * Every size runs the same shapes: one VM, one guest_memfd of `pages` pages bound whole to slot 0
 * at GPA 4 GiB, private. The long scenario touches 1024 "slots" of the file (a chunk each, scaled
 * to the size), so its extent count, and therefore its cost, does not depend on the size.
 */
import {
  initialState,
  lowerStep,
  OP_SPECS,
  step as engineStep,
  validateScenario,
  variantDef,
  type Action,
  type Handle,
  type KernelState,
  type Scenario,
  type ScenarioStep,
  type StepResult,
  type Variant,
} from '../src/engine'

export const PAGE = 4096
/** GPA of the slot: 4 GiB, clear of anything else. */
export const GPA_BASE = 0x1_0000_0000
export const VARIANT: Variant = 'kvm-v11'
export const SLOTS = 1024

export const hex = (n: number): string => `0x${n.toString(16)}`

export const S = {
  createVm: (): ScenarioStep => ({ op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm0' }),
  createGmem: (pages: number): ScenarioStep => ({ op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: hex(pages * PAGE), as: 'g0' }),
  bind: (pages: number): ScenarioStep => ({
    op: 'KVM_SET_USER_MEMORY_REGION2',
    vm: 'vm0',
    slot: 0,
    flags: ['KVM_MEM_PRIVATE'],
    guest_phys_addr: hex(GPA_BASE),
    memory_size: hex(pages * PAGE),
    userspace_addr: '0x7f0000000000',
    guest_memfd: 'g0',
    guest_memfd_offset: 0,
  }),
  attributes: (page: number, n: number, priv: boolean): ScenarioStep => ({
    op: 'KVM_SET_MEMORY_ATTRIBUTES',
    vm: 'vm0',
    address: hex(GPA_BASE + page * PAGE),
    size: hex(n * PAGE),
    attributes: priv ? ['KVM_MEMORY_ATTRIBUTE_PRIVATE'] : [],
  }),
  fallocate: (page: number, n: number): ScenarioStep => ({ op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: hex(page * PAGE), len: hex(n * PAGE) }),
  punch: (page: number, n: number): ScenarioStep => ({
    op: 'fallocate',
    fd: 'g0',
    mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'],
    offset: hex(page * PAGE),
    len: hex(n * PAGE),
  }),
  fault: (page: number, write = true): ScenarioStep => ({ op: 'guest_access', vm: 'vm0', gpa: hex(GPA_BASE + page * PAGE), write, private: true }),
  poison: (page: number): ScenarioStep => ({ op: 'memory_failure', fd: 'g0', offset: hex(page * PAGE) }),
}

/** Steps a kernel state forward one scenario step at a time, keeping the names' handles. */
export class Session {
  readonly constants = variantDef(VARIANT).constants
  state: KernelState
  env = new Map<string, Handle>()

  constructor(state: KernelState = initialState(VARIANT)) {
    this.state = state
  }

  /** The engine action for a step against the current handles (without running it). */
  lower(s: ScenarioStep): Action {
    return lowerStep(s, this.env, this.constants)
  }

  run(s: ScenarioStep): StepResult {
    const action = this.lower(s)
    const out = engineStep(this.state, action)
    this.state = out.state
    const creates = OP_SPECS[s.op]?.creates
    if (creates && s.as !== undefined) this.env.set(s.as, { kind: creates, value: Number(out.result.ret), length: 0 })
    return out.result
  }

  runAll(steps: readonly ScenarioStep[]): this {
    for (const s of steps) {
      const r = this.run(s)
      if (r.errno && s.expect === undefined && !ALLOWED_ERRNO.has(r.errno)) throw new Error(`bench setup: ${s.op} failed with ${r.errno}`)
    }
    return this
  }

  clone(): Session {
    const c = new Session(this.state)
    c.env = new Map(this.env)
    return c
  }
}

/** errnos the long scenario meets on purpose (poisoning a poisoned page, faulting one). */
const ALLOWED_ERRNO = new Set(['EHWPOISON', 'EFAULT'])

/** The states every single-operation measurement starts from, for a file of `pages` pages. */
export function baseSteps(pages: number) {
  const vm = [S.createVm()]
  const gmem = [...vm, S.createGmem(pages)]
  const bound = [...gmem, S.bind(pages), S.attributes(0, pages, true)]
  // allocated whole, with a few guest mappings spread over it (so a punch has stage 2 to zap)
  const allocated = [...bound, S.fallocate(0, pages), ...[1, 3, 5, 7].map((k) => S.fault(Math.floor((k * pages) / 8)))]
  return { vm, gmem, bound, allocated }
}

/** The long scenario: setup, then a fixed rotation of ops over 1024 slots of the file. */
export function longScenario(pages: number, totalSteps = 10_000): Scenario {
  const chunk = Math.max(1, Math.floor(pages / SLOTS))
  const steps: ScenarioStep[] = [S.createVm(), S.createGmem(pages), S.bind(pages), S.attributes(0, pages, true)]
  for (let i = 0; steps.length < totalSteps; i++) {
    const slot = (i * 7919) % SLOTS
    const p = slot * chunk
    // offsets inside the chunk stay within its first 4 pages, so every size sees the same shapes
    const sub = Math.min(chunk - 1, (i >> 3) % 2)
    switch (i % 8) {
      case 0:
        steps.push(S.fallocate(p, chunk))
        break
      case 1:
        steps.push(S.fault(p + sub, true))
        break
      case 2:
        steps.push(S.fault(Math.min(p + chunk - 1, p + sub + 1), false))
        break
      case 3:
        steps.push(S.attributes(p + sub, 1, false))
        break
      case 4:
        steps.push(S.attributes(p + sub, 1, true))
        break
      case 5:
        steps.push(S.punch(p + sub, 1))
        break
      case 6:
        steps.push(S.poison(p + Math.min(chunk - 1, sub + 2)))
        break
      case 7:
        steps.push(S.punch(p, Math.max(1, chunk >> 1)))
        break
    }
  }
  const scenario = { format: 'gmemscope/scenario@1', title: `bench: ${totalSteps} steps over ${pages} pages`, variant: VARIANT, steps }
  const checked = validateScenario(scenario)
  if (!checked.ok) throw new Error(`bench scenario invalid: ${checked.errors.slice(0, 3).join('; ')}`)
  return checked.scenario
}
