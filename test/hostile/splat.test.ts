/**
 * Hostile splat input: garbage, truncated reports, huge pastes. parseSplat returns null (and
 * parseSplats []) without throwing; the input limits bound the work by construction.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_SPLAT_LINES, MAX_SPLAT_TEXT, parseSplat, parseSplats, splatInputProblem } from '../../src/engine/lockdep/splat/parse'

const TITLE = 'WARNING: possible circular locking dependency detected'
const FIXTURES = join(__dirname, '../fixtures/splats')
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.txt'))

describe('garbage and truncation', () => {
  it.each([
    ['empty', ''],
    ['binary', '\u0000\u0001\uffff\ud800'.repeat(1000)],
    ['one long line', 'x'.repeat(MAX_SPLAT_TEXT)],
    ['a title alone', TITLE],
    ['titles only', `${TITLE}\n`.repeat(1000)],
    ['separator lines', '=====\n'.repeat(10_000)],
    ['quoted-printable soft breaks', '=\n'.repeat(MAX_SPLAT_LINES - 1)],
    ['unbalanced brackets', `${TITLE}\n${'['.repeat(100_000)}\n #0: ${'('.repeat(100_000)}`],
    ['deep mail quoting', `${'> '.repeat(10_000)}${TITLE}\n`],
    ['tabs', `${TITLE}\n${`${'\t'.repeat(1000)}x\n`.repeat(1000)}`],
  ])('%s: null, no exception', (_n, text) => {
    expect(parseSplat(text)).toBeNull()
  })

  it.each(fixtures)('%s cut at every 97th character: no exception', (f) => {
    const text = readFileSync(join(FIXTURES, f), 'utf8')
    for (let n = 0; n < text.length; n += 97) expect(() => parseSplats(text.slice(0, n))).not.toThrow()
  })

  it('random text built from splat fragments: no exception', () => {
    const fragment = fc.constantFrom(TITLE, '======================================================', '-> #1 (&kvm->slots_lock){+.+.}-{3:3}:', ' #0: ffff888 (&mapping->invalidate_lock){++++}-{3:3}, at: kvm_gmem_release+0x1/0x2', 'the existing dependency chain (in reverse order) is:', '       CPU0                    CPU1', '  lock(', '> ', '[  12.345678] ', '=\n', '\n', ' ', '(', ')', '{', '}', ':', '+0x', 'Call Trace:', ' <TASK>', '*** DEADLOCK ***')
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 200 }), (parts) => {
        const r = parseSplats(parts.join(''))
        expect(Array.isArray(r)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})

describe('limits', () => {
  it(`a paste longer than ${MAX_SPLAT_TEXT} characters is not parsed, and says why`, () => {
    const text = `${TITLE}\n${'x'.repeat(MAX_SPLAT_TEXT)}`
    expect(splatInputProblem(text)).toBe(`${text.length} characters is more than the limit of ${MAX_SPLAT_TEXT}`)
    expect(parseSplat(text)).toBeNull()
  })

  it(`a paste of more than ${MAX_SPLAT_LINES} lines is not parsed, and says why`, () => {
    const text = readFileSync(join(FIXTURES, fixtures[0]!), 'utf8') + '\n'.repeat(MAX_SPLAT_LINES)
    expect(splatInputProblem(text)).toBe(`more than ${MAX_SPLAT_LINES} lines`)
    expect(parseSplats(text)).toEqual([])
  })

  it('a real report padded to just under the limits still parses', () => {
    const report = readFileSync(join(FIXTURES, fixtures[0]!), 'utf8')
    const lines = report.split('\n').length
    const text = report + '\n'.repeat(MAX_SPLAT_LINES - lines - 1)
    expect(splatInputProblem(text)).toBeNull()
    expect(parseSplat(text)).not.toBeNull()
  })

  it('not text', () => {
    expect(splatInputProblem(42)).toBe('not text')
    expect(parseSplats(42 as unknown as string)).toEqual([])
  })
})
