/**
 * Lowering: a validated scenario step becomes an engine action. Names become the handles their
 * creating step returned (an fd, or a mapping's address: -1 if the call failed, exactly what a
 * VMM would pass on), flag names become numbers, absent fields take their defaults.
 */
import type { Action } from '../actions'
import type { ConstantTable } from '../uapi'
import { big, isInt, toInt, type Int } from '../u64'
import { OP_SPECS, type FieldSpec } from './ops'
import type { ScenarioStep } from './types'

/** What a name stands for once its creating step ran. */
export interface Handle {
  readonly kind: 'fd' | 'map'
  /** the fd number, or the mapping's address */
  readonly value: number
  /** a mapping's length in bytes */
  readonly length: number
}

export type Env = ReadonlyMap<string, Handle>

function flagsValue(value: unknown, group: Readonly<Record<string, number>>): Int {
  if (Array.isArray(value)) {
    let v = 0n
    for (const name of value as string[]) v |= BigInt(group[name] ?? 0)
    return toInt(v)
  }
  return value as Int
}

function fieldValue(spec: FieldSpec, raw: unknown, env: Env, constants: ConstantTable): unknown {
  switch (spec.kind) {
    case 'fd':
    case 'map':
      if (typeof raw === 'string' && !isInt(raw)) {
        const h = env.get(raw)
        if (!h) throw new Error(`engine bug: unresolved name ${raw}`)
        return h.value
      }
      return raw
    case 'flags':
      return flagsValue(raw, constants[spec.group ?? ''] ?? {})
    default:
      return raw
  }
}

/** The engine action for a step, given the handles created so far. */
export function lowerStep(step: ScenarioStep, env: Env, constants: ConstantTable): Action {
  const spec = OP_SPECS[step.op]
  if (!spec) throw new Error(`engine bug: no spec for ${step.op}`)
  const args: Record<string, unknown> = { op: step.op }
  for (const field of spec.fields) {
    const raw = field.name in step ? step[field.name] : field.default
    args[field.name] = fieldValue(field, raw, env, constants)
  }
  if (step.as !== undefined) args.label = step.as
  // A mapping argument stands for [address, address + length): munmap and host_access need both.
  if (step.op === 'munmap') {
    const name = step.map
    const h = typeof name === 'string' ? env.get(name) : undefined
    return { op: 'munmap', addr: args.map as Int, length: h ? h.length : 4096 }
  }
  if (step.op === 'host_access') {
    const addr = big(args.map as Int) + big(args.offset as Int)
    return { op: 'host_access', addr: toInt(addr), write: args.write as boolean }
  }
  return args as unknown as Action
}
