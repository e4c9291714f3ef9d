/**
 * kdiff's lowering: a validated scenario becomes the line-based command file that
 * native/gmem_runner.c reads (docs/kvm-upstream.md, "The native runner"):
 *
 *   <step> <OP> key=value ...
 *
 * Integers are decimal (negative ones too); flag names become their values; booleans 0/1; a name
 * becomes @N, the handle that the step which created it stored with as=N. Ops the kernel cannot
 * run without guest code or a stimulus (guest_access, memory_failure, inject) make the scenario
 * engine-only; host_config is not a syscall: kdiff compares it with the probed host instead.
 */
import { OP_SPECS, type Scenario } from '../src/engine/scenario'
import { big, isInt } from '../src/engine/u64'
import type { ConstantTable } from '../src/engine/uapi'

/** Ops the native runner cannot execute (no KVM_RUN, no injected failures or hardware errors). */
export const ENGINE_ONLY_OPS = new Set(['guest_access', 'memory_failure', 'inject'])

export interface Lowered {
  /** the command file */
  readonly text: string
  /** step numbers (1-based) that go to the kernel */
  readonly steps: readonly number[]
  /** the first engine-only step, if any: the scenario cannot run natively */
  readonly engineOnly: { step: number; op: string } | null
  /** the host_config step's arguments, if the scenario declares one */
  readonly hostConfig: Readonly<Record<string, unknown>> | null
}

function flagsValue(raw: unknown, group: Readonly<Record<string, number>>): bigint {
  if (Array.isArray(raw)) return raw.reduce<bigint>((v, name: string) => v | BigInt(group[name] ?? 0), 0n)
  return big(raw as string | number)
}

export function lowerForKernel(scenario: Scenario, constants: ConstantTable): Lowered {
  const handles = new Map<string, number>()
  const lines: string[] = []
  const steps: number[] = []
  let engineOnly: Lowered['engineOnly'] = null
  let hostConfig: Lowered['hostConfig'] = null
  scenario.steps.forEach((s, i) => {
    const n = i + 1
    const spec = OP_SPECS[s.op]
    if (!spec) throw new Error(`no spec for ${s.op}`)
    if (s.op === 'host_config') {
      const args: Record<string, unknown> = {}
      for (const f of spec.fields) args[f.name] = f.name in s ? s[f.name] : f.default
      hostConfig = args
      return
    }
    if (ENGINE_ONLY_OPS.has(s.op)) {
      engineOnly ??= { step: n, op: s.op }
      return
    }
    const parts = [String(n), s.op]
    for (const f of spec.fields) {
      const raw = f.name in s ? s[f.name] : f.default
      let v: string
      if ((f.kind === 'fd' || f.kind === 'map') && typeof raw === 'string' && !isInt(raw)) {
        v = `@${handles.get(raw) ?? -1}`
      } else if (f.kind === 'flags') {
        v = flagsValue(raw, constants[f.group ?? ''] ?? {}).toString()
      } else if (f.kind === 'bool') {
        v = raw ? '1' : '0'
      } else if (f.kind === 'enum') {
        v = String(raw)
      } else {
        v = big(raw as string | number).toString()
      }
      parts.push(`${f.name}=${v}`)
    }
    if (s.as !== undefined && spec.creates) {
      const h = handles.size
      handles.set(s.as, h)
      parts.push(`as=${h}`)
    }
    lines.push(parts.join(' '))
    steps.push(n)
  })
  return { text: lines.join('\n') + '\n', steps, engineOnly, hostConfig }
}
