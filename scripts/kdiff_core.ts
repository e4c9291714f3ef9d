/**
 * kdiff: runs scenarios through the engine and through the real kernel (native/gmem_runner.c)
 * and reports every step where they disagree. Process I/O lives in scripts/kdiff.ts; this module
 * is what tests call.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseScenario, runScenario, type Scenario, type ScenarioStep, type StepRecord } from '../src/engine/scenario'
import { variantDef } from '../src/engine/variants/registry'
import type { Variant } from '../src/engine/state'
import { big } from '../src/engine/u64'
import { lowerForKernel } from './kdiff_lower'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const RUNNER_SOURCE = join(ROOT, 'native', 'gmem_runner.c')
/** node_modules is gitignored, so the build never lands in the repository */
export const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'gmemscope-kdiff')
export const RUNNER_BINARY = join(BUILD_DIR, 'gmem_runner')

/** Why kdiff cannot run here, or null. */
export function kdiffUnavailable(): string | null {
  if (!existsSync('/dev/kvm')) return 'no /dev/kvm on this machine'
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' })
  if (gcc.error || gcc.status !== 0) return 'no gcc on this machine (the native runner is built on demand)'
  return null
}

/** Builds native/gmem_runner.c when the binary is missing or older than the source. */
export function buildRunner(): string {
  const stale = !existsSync(RUNNER_BINARY) || statSync(RUNNER_BINARY).mtimeMs < statSync(RUNNER_SOURCE).mtimeMs
  if (stale) {
    mkdirSync(BUILD_DIR, { recursive: true })
    execFileSync('gcc', ['-O2', '-Wall', '-o', RUNNER_BINARY, RUNNER_SOURCE], { stdio: ['ignore', 'inherit', 'inherit'] })
  }
  return RUNNER_BINARY
}

export interface HostProbe {
  readonly raw: Record<string, unknown>
  /** the host as a host_config step describes it */
  readonly config: { vm_types: number; memory_attributes: boolean; tdp: boolean; address_spaces: number }
}

/** What this host's KVM supports (gmem_runner --probe). */
export function probeHost(runner: string): HostProbe {
  const raw = JSON.parse(execFileSync(runner, ['--probe'], { encoding: 'utf8' })) as Record<string, number>
  return {
    raw,
    config: {
      vm_types: raw.KVM_CAP_VM_TYPES ?? 1,
      memory_attributes: (raw.KVM_CAP_MEMORY_ATTRIBUTES ?? 0) !== 0,
      // x86 reports KVM_CAP_PRE_FAULT_MEMORY as tdp_enabled
      tdp: (raw.KVM_CAP_PRE_FAULT_MEMORY ?? 0) !== 0,
      address_spaces: Math.max(1, raw.KVM_CAP_MULTI_ADDRESS_SPACE ?? 1),
    },
  }
}

export interface KernelStep {
  readonly step: number
  readonly op: string
  readonly ret?: number
  readonly errno?: string | null
  readonly signal?: string | null
  readonly out?: Record<string, string>
  readonly unsupported?: boolean
}

export interface Disagreement {
  readonly step: number
  readonly op: string
  readonly engine: string
  readonly kernel: string
}

export interface FileResult {
  readonly file: string
  readonly title: string
  /** why the scenario was not compared, or null */
  readonly skipped: string | null
  readonly steps: number
  readonly disagreements: readonly Disagreement[]
}

function outcome(ret: unknown, errno: unknown, signal: unknown, extra = ''): string {
  return `ret=${String(ret)} errno=${String(errno ?? null)} signal=${String(signal ?? null)}${extra}`
}

function sameOut(engine: StepRecord['result']['out'], kernel: KernelStep['out']): boolean {
  if (!kernel) return true
  if (!engine) return false
  return Object.entries(kernel).every(([k, v]) => engine[k] !== undefined && big(engine[k]!) === big(v))
}

function fmtOut(out: Record<string, unknown> | null | undefined): string {
  if (!out) return ''
  return ` out={${Object.entries(out).map(([k, v]) => `${k}=0x${big(v as string).toString(16)}`).join(',')}}`
}

function compare(rec: StepRecord, k: KernelStep): Disagreement | null {
  const r = rec.result
  const retOk = rec.step.op === 'mmap' ? (big(r.ret) === -1n) === (k.ret === -1) : big(r.ret) === BigInt(k.ret ?? 0)
  const ok = retOk && (r.errno ?? null) === (k.errno ?? null) && (r.signal ?? null) === (k.signal ?? null) && sameOut(r.out, k.out)
  if (ok) return null
  const eRet = rec.step.op === 'mmap' && !r.errno ? 'addr' : r.ret
  const kRet = rec.step.op === 'mmap' && !k.errno ? 'addr' : k.ret
  return {
    step: rec.index,
    op: rec.step.op,
    engine: outcome(eRet, r.errno, r.signal, k.out ? fmtOut(r.out) : ''),
    kernel: outcome(kRet, k.errno, k.signal, fmtOut(k.out)),
  }
}

function sameConfig(a: Record<string, unknown>, b: HostProbe['config']): string | null {
  const diffs = Object.entries(b).filter(([key, v]) => String(a[key]) !== String(v))
  return diffs.length ? diffs.map(([key, v]) => `${key}: scenario ${String(a[key])}, host ${String(v)}`).join('; ') : null
}

/** Runs one scenario file through the engine and the kernel. */
export function kdiffFile(file: string, runner: string, host: HostProbe): FileResult {
  const parsed = parseScenario(readFileSync(file, 'utf8'))
  if (!parsed.ok) return { file, title: '?', skipped: `invalid scenario: ${parsed.errors.join('; ')}`, steps: 0, disagreements: [] }
  const sc = parsed.scenario
  const base = { file, title: sc.title, steps: sc.steps.length }
  if (sc.variant !== 'kvm-upstream') return { ...base, skipped: `variant ${sc.variant}: the host kernel is Linux 6.18, kdiff compares kvm-upstream only`, disagreements: [] }
  const constants = variantDef(sc.variant as Variant).constants
  const low = lowerForKernel(sc, constants)
  if (low.engineOnly) return { ...base, skipped: `step ${low.engineOnly.step} (${low.engineOnly.op}) cannot run on the kernel without guest code or a stimulus`, disagreements: [] }
  if (low.hostConfig) {
    const d = sameConfig(low.hostConfig, host.config)
    if (d) return { ...base, skipped: `the scenario assumes another host (${d})`, disagreements: [] }
  }
  // The engine simulates the host it is compared with: a scenario that does not declare one gets this host's.
  const configStep: ScenarioStep = { op: 'host_config', ...host.config }
  const engineScenario: Scenario = low.hostConfig ? sc : { ...sc, steps: [configStep, ...sc.steps] }
  const shift = low.hostConfig ? 0 : 1
  const engine = runScenario(engineScenario, { fixes: false })
  const native = spawnSync(runner, [], { input: low.text, encoding: 'utf8', timeout: 60_000 })
  if (native.status !== 0) {
    return { ...base, skipped: null, disagreements: [{ step: 0, op: '(runner)', engine: 'ran', kernel: `gmem_runner exited ${String(native.status)}: ${native.stderr.trim()}` }] }
  }
  const kernel = new Map<number, KernelStep>()
  for (const line of native.stdout.split('\n')) if (line.trim()) {
    const k = JSON.parse(line) as KernelStep
    kernel.set(k.step, k)
  }
  const disagreements: Disagreement[] = []
  for (const n of low.steps) {
    const rec = engine.records[n - 1 + shift]!
    const k = kernel.get(n)
    if (!k || k.unsupported) {
      disagreements.push({ step: n, op: rec.step.op, engine: outcome(rec.result.ret, rec.result.errno, rec.result.signal), kernel: k ? 'unsupported op' : 'no output' })
      continue
    }
    const d = compare({ ...rec, index: n }, k)
    if (d) disagreements.push(d)
  }
  return { ...base, skipped: null, disagreements }
}

/** Expands directories to their *.json files (sorted). */
export function expandFiles(args: readonly string[]): string[] {
  const out: string[] = []
  for (const a of args) {
    if (statSync(a).isDirectory()) {
      for (const f of readdirSync(a).filter((n) => n.endsWith('.json')).sort()) out.push(join(a, f))
    } else out.push(a)
  }
  return out
}
