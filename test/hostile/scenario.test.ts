/**
 * Hostile scenario input: every malformed, huge, negative, fractional, mistyped, deeply nested or
 * unknown thing gets a message that says where it failed, never an exception, and the work done
 * is bounded by the limits in docs/limits.md (no timed assertions: the bounds are by construction).
 */
import { describe, expect, it } from 'vitest'
import {
  MAX_INT_STRING,
  MAX_JSON_DEPTH,
  MAX_NAME_LENGTH,
  MAX_NOTE_LENGTH,
  MAX_SCENARIO_TEXT,
  MAX_SCHEDULE,
  MAX_STEPS,
  parseScenario,
  runScenario,
  validateScenario,
  type ParseResult,
} from '../../src/engine/scenario'

const base = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ format: 'gmemscope/scenario@1', title: 't', variant: 'kvm-v11', steps, ...extra })
const errors = (r: ParseResult): string[] => (r.ok ? [] : r.errors)
const vm = { op: 'KVM_CREATE_VM', as: 'vm0' }

describe('malformed text', () => {
  it.each([
    ['empty', ''],
    ['truncated', '{"format":"gmemscope/scenario@1","steps":[{"op":'],
    ['garbage', '\u0000\uffff not json'],
    ['trailing comma', '{"a":1,}'],
  ])('%s: "(file): not valid JSON"', (_n, text) => {
    expect(errors(parseScenario(text))[0]).toMatch(/^\(file\): not valid JSON/)
  })

  it.each([
    ['null', null, /^\(top level\): expected a scenario object, got null/],
    ['an array', [], /^\(top level\): expected a scenario object, got an array/],
    ['a number', 42, /^\(top level\): expected a scenario object, got 42/],
    ['a string', 'x', /^\(top level\): expected a scenario object, got "x"/],
  ])('a top level that is %s', (_n, value, re) => {
    expect(errors(validateScenario(value))[0]).toMatch(re)
  })

  it('a non-string given as text', () => {
    expect(errors(parseScenario(42 as unknown as string))[0]).toMatch(/^\(file\): expected scenario text/)
  })

  it('wrong types at every level say where', () => {
    const e = errors(validateScenario({ format: 1, title: [], description: 2, fixes: 'yes', variant: 'kvm-v11', steps: [7, { op: 3 }, { op: 'close' }, { op: 'close', fd: true }] }))
    expect(e).toEqual(
      expect.arrayContaining([
        'format: expected "gmemscope/scenario@1", got 1',
        'title: expected a string, got an array',
        'description: expected a string, got 2',
        'fixes: expected true or false, got "yes"',
        'steps[0]: expected an object, got 7',
        'steps[1].op: expected an op name, got 3',
        'steps[2].fd: missing (required by close)',
        'steps[3].fd: expected a name or an integer, got true',
      ]),
    )
  })
})

describe('unknown fields and names', () => {
  it('unknown fields at the top, in a step and in expect', () => {
    const e = errors(validateScenario(base([{ ...vm, sizee: 1, expect: { errno: null, retval: 0 } }], { extra: 1 })))
    expect(e).toEqual(expect.arrayContaining(['extra: unknown field', expect.stringMatching(/^steps\[0\]\.sizee: unknown field/), expect.stringMatching(/^steps\[0\]\.expect\.retval: unknown field/)]))
  })

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('op "%s" (an Object.prototype name) is an unknown op, not a crash', (op) => {
    expect(errors(validateScenario(base([{ op }])))[0]).toMatch(new RegExp(`^steps\\[0\\]\\.op: unknown op "${op}"`))
  })

  it.each(['toString', 'constructor', '__proto__'])('flag "%s" is an unknown constant, not a crash when run', (name) => {
    expect(errors(validateScenario(base([{ op: 'KVM_CREATE_VM', type: [name] }])))[0]).toMatch(/^steps\[0\]\.type\[0\]: unknown constant/)
  })

  it('a "__proto__" key is an unknown field and changes nothing', () => {
    const e = errors(parseScenario('{"format":"gmemscope/scenario@1","title":"t","variant":"kvm-v11","steps":[{"op":"close","fd":3,"__proto__":{"op":"x"}}]}'))
    expect(e).toEqual([expect.stringMatching(/^steps\[0\]\.__proto__: unknown field/)])
  })

  it('names: unknown, too long, numeric, not a string', () => {
    const e = errors(validateScenario(base([{ op: 'close', fd: 'nope' }, { op: 'KVM_CREATE_VM', as: 'x'.repeat(MAX_NAME_LENGTH + 1) }, { op: 'KVM_CREATE_VM', as: '12' }, { op: 'KVM_CREATE_VM', as: 5 }])))
    expect(e[0]).toBe('steps[0].fd: unknown name "nope" (no earlier step creates it with "as")')
    expect(e.slice(1).every((m, i) => m.startsWith(`steps[${i + 1}].as: expected a name`))).toBe(true)
  })

  it('a note longer than the limit', () => {
    expect(errors(validateScenario(base([{ ...vm, note: 'n'.repeat(MAX_NOTE_LENGTH + 1) }])))[0]).toMatch(/^steps\[0\]\.note: expected a string of at most/)
  })
})

describe('numbers', () => {
  const size = (v: unknown) => errors(validateScenario(base([vm, { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: v }])))

  it('a JSON number beyond 2^53 is rejected, asking for a string', () => {
    for (const text of ['18446744073709551615', '9007199254740993', '9007199254740992', '1e300']) {
      const e = errors(parseScenario(`{"format":"gmemscope/scenario@1","title":"t","variant":"kvm-v11","steps":[{"op":"KVM_CREATE_VM","as":"vm0"},{"op":"KVM_CREATE_GUEST_MEMFD","vm":"vm0","size":${text}}]}`))
      expect(e, text).toEqual([expect.stringMatching(/^steps\[1\]\.size: .*beyond 2\^53: write it as a string to keep it exact/)])
    }
  })

  it('2^53 - 1 is a number, 2^64 - 1 as a string is exact, 2^64 is out of range', () => {
    expect(size(Number.MAX_SAFE_INTEGER)).toEqual([])
    expect(size('18446744073709551615')).toEqual([])
    expect(size('0xffffffffffffffff')).toEqual([])
    expect(size('18446744073709551616')).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got 18446744073709551616'])
    expect(size('0x10000000000000000')).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got 0x10000000000000000'])
  })

  it('a string stays exact through validation and into the engine', () => {
    const r = validateScenario(base([vm, { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: '18446744073709551615', as: 'g0' }]))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const out = runScenario(r.scenario)
    expect(out.records[1]!.action).toMatchObject({ size: '18446744073709551615' })
    expect(out.records[1]!.result.errno).toBe('EINVAL') // not page aligned: the exact value was checked
  })

  it('negative, fractional, NaN-like, boolean and object values', () => {
    expect(size(-1)).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got -1'])
    expect(size(4096.5)).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got 4096.5'])
    expect(size('4096.5')).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got "4096.5"'])
    expect(size('-0x1')).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got -0x1'])
    expect(size(true)).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got true'])
    expect(size({})).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got an object'])
    expect(size('')).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got ""'])
    expect(size('0x')).toEqual(['steps[1].size: expected a non-negative integer (at most 2^64-1), got "0x"'])
  })

  it(`an integer string longer than ${MAX_INT_STRING} characters is refused without parsing it`, () => {
    expect(size('1'.repeat(1_000_000))).toEqual([`steps[1].size: expected a non-negative integer (at most 2^64-1), got a string of 1000000 characters (at most ${MAX_INT_STRING})`])
    expect(size('0'.repeat(MAX_INT_STRING - 4) + '4096')).toEqual([])
  })

  it('loff_t fields take negatives down to -2^63, and no further', () => {
    const f = (offset: unknown) => errors(validateScenario(base([{ op: 'fallocate', fd: 3, mode: [], offset, len: 1 }])))
    expect(f('-9223372036854775808')).toEqual([])
    expect(f('-9223372036854775809')).toEqual(['steps[0].offset: expected an integer, got -9223372036854775809'])
  })
})

describe('size and nesting limits', () => {
  it(`${MAX_STEPS + 50_000} steps are refused before any step is looked at`, () => {
    const steps = new Array(100_000).fill({ op: 'no such op' })
    expect(errors(validateScenario(base(steps)))).toEqual([`steps: 100000 steps is more than the limit of ${MAX_STEPS}`])
  })

  it('the same from text', () => {
    const text = JSON.stringify(base(new Array(100_000).fill(vm)))
    expect(errors(parseScenario(text))).toEqual([`steps: 100000 steps is more than the limit of ${MAX_STEPS}`])
  })

  it(`text longer than ${MAX_SCENARIO_TEXT} characters is refused before JSON.parse`, () => {
    const text = ' '.repeat(MAX_SCENARIO_TEXT + 1)
    expect(errors(parseScenario(text))).toEqual([`(file): ${MAX_SCENARIO_TEXT + 1} characters is more than the limit of ${MAX_SCENARIO_TEXT}`])
  })

  it('deep nesting is refused with its position, before JSON.parse', () => {
    expect(errors(parseScenario('['.repeat(1_000_000)))).toEqual([`(file): nested deeper than ${MAX_JSON_DEPTH} levels at character ${MAX_JSON_DEPTH}`])
    const nested = `{"format":"gmemscope/scenario@1","title":"t","variant":"kvm-v11","steps":[{"op":"close","fd":3,"note":${'['.repeat(40)}${']'.repeat(40)}}]}`
    expect(errors(parseScenario(nested))[0]).toMatch(/^\(file\): nested deeper than 32 levels at character \d+$/)
    // brackets inside strings do not count
    expect(parseScenario(JSON.stringify(base([{ ...vm, note: '[{'.repeat(1000) + '\\"' }]))).ok).toBe(true)
  })

  it('deep nesting given as a value (not text) is reported at its path without being walked', () => {
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(errors(validateScenario(base([{ op: 'close', fd: deep }])))).toEqual(['steps[0].fd: expected a name or an integer, got an array'])
  })

  it('a schedule longer than the limit', () => {
    expect(errors(validateScenario(base([], { schedule: new Array(MAX_SCHEDULE + 1).fill(0) })))[0]).toMatch(/^schedule: expected an array of 0 and 1/)
  })

  it('at most 100 step errors are reported', () => {
    expect(errors(validateScenario(base(new Array(MAX_STEPS).fill({ op: 'close' })))).length).toBeLessThanOrEqual(101)
  })

  it(`${MAX_STEPS} valid steps validate`, () => {
    expect(validateScenario(base(Array.from({ length: MAX_STEPS }, (_, i) => ({ op: 'close', fd: i })))).ok).toBe(true)
  })
})
