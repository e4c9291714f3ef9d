/**
 * Validation of scenario files: every problem is reported with the JSON path where it is
 * (`steps[3].size: expected a non-negative integer`), never as an exception. Names must be
 * created (by a step's "as") before they are used.
 */
import { ERRNO_NAMES } from '../errno'
import { hasVariant, registeredVariants, variantDef } from '../variants/registry'
import '../variants/all'
import { big, isInt } from '../u64'
import { fieldsFor, OP_SPECS, STEP_META_FIELDS, type FieldSpec } from './ops'
import { SCENARIO_FORMAT, type Scenario } from './types'

export const MAX_STEPS = 50_000
export const MAX_NAME_LENGTH = 64
export const MAX_NOTE_LENGTH = 10_000
export const MAX_SCHEDULE = 100_000
/** parseScenario(): the longest scenario text accepted (characters), checked before JSON.parse */
export const MAX_SCENARIO_TEXT = 16 * 1024 * 1024
/** parseScenario(): the deepest nesting of arrays and objects accepted (a valid scenario needs 4) */
export const MAX_JSON_DEPTH = 32
/** the longest integer string accepted (u64 max is 20 decimal digits, 18 characters in hex) */
export const MAX_INT_STRING = 80

const U64_MAX = (1n << 64n) - 1n
const S64_MIN = -(1n << 63n)
const U32_MAX = (1n << 32n) - 1n
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const SIGNALS = ['SIGBUS', 'SIGSEGV', 'SIGKILL']
const EXPECT_KEYS = ['ret', 'errno', 'signal', 'exit']

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: string[] }

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function describe(x: unknown): string {
  if (x === null) return 'null'
  if (Array.isArray(x)) return 'an array'
  if (typeof x === 'string') return `"${x.length > 40 ? x.slice(0, 40) + '…' : x}"`
  if (typeof x === 'number' && !Number.isSafeInteger(x) && Number.isInteger(x)) {
    return `${x} (beyond 2^53: write it as a string to keep it exact)`
  }
  return typeof x === 'object' ? 'an object' : String(x)
}

/** Checks an integer field against its range; returns an error message or null. */
function checkInt(value: unknown, lo: bigint, hi: bigint, what: string): string | null {
  if (typeof value === 'string' && value.length > MAX_INT_STRING) return `expected ${what}, got a string of ${value.length} characters (at most ${MAX_INT_STRING})`
  if (!isInt(value)) return `expected ${what}, got ${describe(value)}`
  const v = big(value)
  if (v < lo || v > hi) return `expected ${what}, got ${typeof value === 'string' ? value : v.toString()}`
  return null
}

function checkField(spec: FieldSpec, value: unknown, constants: Record<string, number>, path: string, names: Set<string>): string[] {
  switch (spec.kind) {
    case 'u64': {
      const e = checkInt(value, 0n, U64_MAX, 'a non-negative integer (at most 2^64-1)')
      return e ? [`${path}: ${e}`] : []
    }
    case 's64': {
      const e = checkInt(value, S64_MIN, U64_MAX, 'an integer')
      return e ? [`${path}: ${e}`] : []
    }
    case 'u32': {
      const e = checkInt(value, 0n, U32_MAX, 'a non-negative integer (at most 2^32-1)')
      return e ? [`${path}: ${e}`] : []
    }
    case 'fd':
    case 'map': {
      if (typeof value === 'string' && !isInt(value)) {
        return names.has(value) ? [] : [`${path}: unknown name "${value}" (no earlier step creates it with "as")`]
      }
      const e = checkInt(value, S64_MIN, U64_MAX, `a name or an integer`)
      return e ? [`${path}: ${e}`] : []
    }
    case 'flags': {
      if (Array.isArray(value)) {
        return value.flatMap((name, i) => {
          if (typeof name !== 'string') return [`${path}[${i}]: expected a constant name, got ${describe(name)}`]
          if (!Object.hasOwn(constants, name)) {
            const known = Object.keys(constants)
            return [`${path}[${i}]: unknown constant "${name}"${known.length ? ` (known: ${known.join(', ')})` : ' (this field has no named constants: use a number)'}`]
          }
          return []
        })
      }
      const e = checkInt(value, S64_MIN, U64_MAX, 'an array of constant names or an integer')
      return e ? [`${path}: ${e}`] : []
    }
    case 'bool':
      return typeof value === 'boolean' ? [] : [`${path}: expected true or false, got ${describe(value)}`]
    case 'enum':
      return typeof value === 'string' && spec.values?.includes(value)
        ? []
        : [`${path}: expected one of ${spec.values?.map((v) => `"${v}"`).join(', ')}, got ${describe(value)}`]
  }
}

function checkExpect(expect: unknown, path: string): string[] {
  if (!isObject(expect)) return [`${path}: expected an object, got ${describe(expect)}`]
  const errors: string[] = []
  for (const key of Object.keys(expect)) {
    if (!EXPECT_KEYS.includes(key)) errors.push(`${path}.${key}: unknown field (expect takes ${EXPECT_KEYS.join(', ')})`)
  }
  if ('ret' in expect) {
    const e = checkInt(expect.ret, S64_MIN, U64_MAX, 'an integer')
    if (e) errors.push(`${path}.ret: ${e}`)
  }
  if ('errno' in expect && expect.errno !== null && !(typeof expect.errno === 'string' && (ERRNO_NAMES as readonly string[]).includes(expect.errno))) {
    errors.push(`${path}.errno: expected null or an errno name such as "EINVAL", got ${describe(expect.errno)}`)
  }
  if ('signal' in expect && expect.signal !== null && !(typeof expect.signal === 'string' && SIGNALS.includes(expect.signal))) {
    errors.push(`${path}.signal: expected null or one of ${SIGNALS.join(', ')}, got ${describe(expect.signal)}`)
  }
  if ('exit' in expect && expect.exit !== null && typeof expect.exit !== 'string') {
    errors.push(`${path}.exit: expected null or an exit name, got ${describe(expect.exit)}`)
  }
  return errors
}

function checkStep(step: unknown, i: number, variant: string, names: Set<string>): string[] {
  const path = `steps[${i}]`
  if (!isObject(step)) return [`${path}: expected an object, got ${describe(step)}`]
  if (typeof step.op !== 'string') return [`${path}.op: expected an op name, got ${describe(step.op)}`]
  const def = variantDef(variant as never)
  const spec = OP_SPECS[step.op]
  if (!spec || !Object.hasOwn(OP_SPECS, step.op) || !Object.hasOwn(def.ops, step.op)) {
    return [`${path}.op: unknown op "${step.op}" for variant ${variant} (known: ${Object.keys(def.ops).join(', ')})`]
  }
  const errors: string[] = []
  const fields = fieldsFor(step.op, variant)
  const known = new Set<string>([...STEP_META_FIELDS, ...fields.map((f) => f.name)])
  for (const key of Object.keys(step)) {
    if (!known.has(key)) errors.push(`${path}.${key}: unknown field (${step.op} takes ${fields.map((f) => f.name).join(', ') || 'no arguments'} in ${variant})`)
  }
  for (const field of fields) {
    if (!(field.name in step)) {
      if (field.default === undefined) errors.push(`${path}.${field.name}: missing (required by ${step.op})`)
      continue
    }
    const constants = field.group ? (def.constants[field.group] ?? {}) : {}
    errors.push(...checkField(field, step[field.name], constants, `${path}.${field.name}`, names))
  }
  if ('as' in step) {
    if (!spec.creates) errors.push(`${path}.as: ${step.op} creates nothing to name`)
    else if (typeof step.as !== 'string' || !NAME_RE.test(step.as) || step.as.length > MAX_NAME_LENGTH || isInt(step.as)) {
      errors.push(`${path}.as: expected a name (a letter or _, then letters, digits, _ . -; at most ${MAX_NAME_LENGTH}), got ${describe(step.as)}`)
    } else names.add(step.as)
  }
  if ('note' in step && (typeof step.note !== 'string' || step.note.length > MAX_NOTE_LENGTH)) {
    errors.push(`${path}.note: expected a string of at most ${MAX_NOTE_LENGTH} characters`)
  }
  if ('expect' in step) errors.push(...checkExpect(step.expect, `${path}.expect`))
  if ('cpu' in step && step.cpu !== 0 && step.cpu !== 1) errors.push(`${path}.cpu: expected 0 or 1, got ${describe(step.cpu)}`)
  return errors
}

/** Validates a parsed JSON value as a scenario. */
export function validateScenario(input: unknown): ParseResult {
  if (!isObject(input)) return { ok: false, errors: [`(top level): expected a scenario object, got ${describe(input)}`] }
  const errors: string[] = []
  if (input.format !== SCENARIO_FORMAT) errors.push(`format: expected "${SCENARIO_FORMAT}", got ${describe(input.format)}`)
  if (typeof input.title !== 'string') errors.push(`title: expected a string, got ${describe(input.title)}`)
  if ('description' in input && typeof input.description !== 'string') errors.push(`description: expected a string, got ${describe(input.description)}`)
  if ('fixes' in input && typeof input.fixes !== 'boolean') errors.push(`fixes: expected true or false, got ${describe(input.fixes)}`)
  const allowed = new Set(['format', 'title', 'description', 'variant', 'fixes', 'steps', 'schedule'])
  // schedule (docs/lockdep.md): the two-CPU interleaving, one CPU number per lock event
  if ('schedule' in input && !(Array.isArray(input.schedule) && input.schedule.length <= MAX_SCHEDULE && input.schedule.every((c) => c === 0 || c === 1))) {
    errors.push(`schedule: expected an array of 0 and 1 (the CPU that takes its next lock event), at most ${MAX_SCHEDULE} long, got ${describe(input.schedule)}`)
  }
  for (const key of Object.keys(input)) if (!allowed.has(key)) errors.push(`${key}: unknown field`)
  if (typeof input.variant !== 'string' || !hasVariant(input.variant)) {
    errors.push(`variant: expected one of ${registeredVariants().join(', ')}, got ${describe(input.variant)}`)
    return { ok: false, errors }
  }
  if (!Array.isArray(input.steps)) {
    errors.push(`steps: expected an array, got ${describe(input.steps)}`)
    return { ok: false, errors }
  }
  if (input.steps.length > MAX_STEPS) {
    errors.push(`steps: ${input.steps.length} steps is more than the limit of ${MAX_STEPS}`)
    return { ok: false, errors }
  }
  const names = new Set<string>()
  input.steps.forEach((s, i) => {
    if (errors.length < 100) errors.push(...checkStep(s, i, input.variant as string, names))
  })
  if (errors.length) return { ok: false, errors }
  return { ok: true, scenario: input as unknown as Scenario }
}

/**
 * The offset where arrays and objects nest deeper than `max` (outside strings), or null. One pass,
 * no recursion: it bounds what JSON.parse and everything after it may be given.
 */
/** The offset where arrays and objects nest deeper than `max` (outside strings), or null. */
export function jsonNestedTooDeep(text: string, max: number): number | null {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return null
}

/** Parses scenario text (JSON), with the parser's position on a syntax error. */
export function parseScenario(text: string): ParseResult {
  if (typeof text !== 'string') return { ok: false, errors: [`(file): expected scenario text, got ${describe(text)}`] }
  if (text.length > MAX_SCENARIO_TEXT) {
    return { ok: false, errors: [`(file): ${text.length} characters is more than the limit of ${MAX_SCENARIO_TEXT}`] }
  }
  const deep = jsonNestedTooDeep(text, MAX_JSON_DEPTH)
  if (deep !== null) return { ok: false, errors: [`(file): nested deeper than ${MAX_JSON_DEPTH} levels at character ${deep}`] }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { ok: false, errors: [`(file): not valid JSON: ${(e as Error).message}`] }
  }
  return validateScenario(value)
}
