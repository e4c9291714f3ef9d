/** Operation form values → a scenario step (pure; the engine's validateScenario judges the result). */
import { fieldsFor, OP_SPECS, type FieldSpec, type Scenario, type ScenarioStep } from '../../engine/scenario'
import { variantDef, type Variant } from '../../engine'

export type FieldValue = string | boolean | readonly string[]

/** The ops of a variant that have a field table, in the table's order. */
export function variantOps(variant: string): string[] {
  let ops: Record<string, unknown> = {}
  try {
    ops = variantDef(variant as Variant).ops
  } catch {
    return []
  }
  return Object.keys(OP_SPECS).filter((op) => op in ops)
}

/** The form's starting value for a field: its default, in form terms. */
export function initialValue(f: FieldSpec): FieldValue {
  if (f.kind === 'bool') return f.default === true
  if (f.kind === 'flags') return Array.isArray(f.default) ? (f.default as string[]) : []
  if (f.kind === 'enum') return (f.default as string | undefined) ?? f.values?.[0] ?? ''
  return f.default === undefined ? '' : String(f.default)
}

/** Names created by earlier steps, by what they name (fd or map). */
export function knownNames(scenario: Scenario | null): { fd: string[]; map: string[] } {
  const out = { fd: [] as string[], map: [] as string[] }
  for (const s of scenario?.steps ?? []) {
    const creates = OP_SPECS[s.op]?.creates
    if (creates && typeof s.as === 'string') out[creates].push(s.as)
  }
  return out
}

function intOrString(text: string): number | string {
  const t = text.trim()
  if (/^-?\d+$/.test(t) && Number.isSafeInteger(Number(t))) return Number(t)
  return t
}

/** Builds the step; empty optional fields are left out so the op's defaults apply. */
export function buildStep(
  op: string,
  values: Readonly<Record<string, FieldValue>>,
  extra: { as?: string; note?: string; cpu?: number },
  variant?: string,
): ScenarioStep {
  const step: Record<string, unknown> = { op }
  for (const f of fieldsFor(op, variant)) {
    const v = values[f.name] ?? initialValue(f)
    if (f.kind === 'bool') step[f.name] = v === true
    else if (f.kind === 'flags') step[f.name] = [...(v as readonly string[])]
    else if (f.kind === 'enum') step[f.name] = v
    else {
      const text = String(v)
      if (text.trim() === '' && f.default !== undefined) continue
      step[f.name] = f.kind === 'fd' || f.kind === 'map' ? (/^-?\d+$/.test(text.trim()) ? Number(text) : text.trim()) : intOrString(text)
    }
  }
  if (extra.as) step.as = extra.as
  if (extra.note) step.note = extra.note
  if (extra.cpu === 1) step.cpu = 1
  return step as ScenarioStep
}
