/**
 * Hostile share links and saved sessions (issue 8): each is refused with a message that says what
 * and where, nothing throws, and nothing hangs or allocates beyond the documented limits.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string'
import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH, MAX_SCENARIO_TEXT, MAX_STEPS } from '../../src/engine/scenario'
import { lzBomb } from './lzBomb'
import { decodeSession, decodeShareUrl, MAX_LINK_FRAGMENT, MAX_SESSION_TEXT, SESSION_VERSION } from '../../src/store/share'

const isBuiltin = (id: string) => id === 'kvm-v11-tour'
const head = { format: 'gmemscope/scenario@1', title: 't', variant: 'kvm-v11' }
const createVm = { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm0' }
const gmem = (size: unknown) => ({ ...head, steps: [createVm, { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size, flags: [], as: 'g0' }] })
const link = (value: unknown) => `#s=${compressToEncodedURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`
const open = (value: unknown) => decodeShareUrl('?step=1', link(value), isBuiltin)

describe('hostile share links', () => {
  it('a scenario of 100,000 steps is refused before any step is checked', () => {
    const steps = Array.from({ length: 100_000 }, () => ({ op: 'close', fd: 3 }))
    const t0 = performance.now()
    expect(open({ ...head, steps })).toEqual({ ok: false, where: 'the link (#s)', errors: [`steps: 100000 steps is more than the limit of ${MAX_STEPS}`] })
    expect(performance.now() - t0).toBeLessThan(5000)
  })

  it('sizes: 2^64-1 as a string is a valid __u64 (the engine then says what it makes of it); 2^64, fractions and negatives are refused at their path', () => {
    expect(open(gmem('18446744073709551615'))).toMatchObject({ ok: true })
    const refused = (size: unknown) => {
      const d = open(gmem(size))
      expect(d).toMatchObject({ ok: false, where: 'the link (#s)' })
      return d.ok ? [] : d.errors
    }
    expect(refused('18446744073709551616')).toEqual([expect.stringMatching(/^steps\[1\]\.size: /)])
    expect(refused(4096.5)).toEqual([expect.stringMatching(/^steps\[1\]\.size: .*4096\.5/)])
    expect(refused(-4096)).toEqual([expect.stringMatching(/^steps\[1\]\.size: .*-4096/)])
    expect(refused(true)).toEqual([expect.stringMatching(/^steps\[1\]\.size: /)])
    expect(refused({ x: 1 })).toEqual([expect.stringMatching(/^steps\[1\]\.size: /)])
  })

  it('deeply nested JSON is refused by the text scan, before JSON.parse', () => {
    const deep = `{"format":"gmemscope/scenario@1","title":"t","variant":"kvm-v11","steps":[],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    expect(open(deep)).toEqual({ ok: false, where: 'the link (#s)', errors: [`#s: nested deeper than ${MAX_JSON_DEPTH} levels at character ${deep.indexOf('[', 80) + MAX_JSON_DEPTH - 1}`] })
  })

  it('unknown fields are named, at the top and in a step', () => {
    const d = open({ ...head, extra: 1, steps: [{ ...createVm, bogus: 2 }] })
    expect(d).toMatchObject({ ok: false, where: 'the link (#s)' })
    expect(d.ok ? [] : d.errors).toEqual(expect.arrayContaining(['extra: unknown field', expect.stringMatching(/^steps\[0\]\.bogus: unknown field/)]))
  })

  it('not JSON, not an object, damaged, too long, or a decompression bomb: a message, never an exception', () => {
    expect(open('{"format":')).toMatchObject({ ok: false, errors: [expect.stringMatching(/^#s: not valid JSON/)] })
    expect(open('[1,2]')).toMatchObject({ ok: false, where: 'the link (#s)' })
    for (const junk of ['z', 'xAF', '$$$$', '-', 'A'.repeat(1000)]) {
      expect(decodeShareUrl('', `#s=${junk}`, isBuiltin)).toMatchObject({ ok: false, where: 'the link (#s)', errors: [expect.stringContaining('damaged')] })
    }
    const long = 'A'.repeat(MAX_LINK_FRAGMENT + 1)
    expect(decodeShareUrl('', `#s=${long}`, isBuiltin)).toEqual({ ok: false, where: 'the link (#s)', errors: [`#s: ${MAX_LINK_FRAGMENT + 1} characters is more than the limit of ${MAX_LINK_FRAGMENT}`] })
    // a few KiB of link that asks for 18 million characters: refused while decompressing, at the text limit
    const small = lzBomb(100)
    expect(decompressFromEncodedURIComponent(small.packed)).toBe('a'.repeat(small.length))
    const bomb = lzBomb(6000)
    expect(bomb.length).toBeGreaterThan(MAX_SCENARIO_TEXT)
    expect(bomb.packed.length).toBeLessThan(20_000)
    const t0 = performance.now()
    expect(decodeShareUrl('', `#s=${bomb.packed}`, isBuiltin)).toEqual({ ok: false, where: 'the link (#s)', errors: [`#s: it decompresses to more than ${MAX_SCENARIO_TEXT} characters (the scenario text limit)`] })
    expect(performance.now() - t0).toBeLessThan(5000)
  })

  it('a bad step number or an unknown built-in is named', () => {
    expect(decodeShareUrl('?scenario=kvm-v11-tour&step=-1', '', isBuiltin)).toMatchObject({ ok: false, errors: ['step: expected a step number, got "-1"'] })
    expect(decodeShareUrl('?scenario=kvm-v11-tour&step=1.5', '', isBuiltin)).toMatchObject({ ok: false, errors: ['step: expected a step number, got "1.5"'] })
    expect(decodeShareUrl('?scenario=kvm-v11-tour&step=99999999999', '', isBuiltin)).toMatchObject({ ok: false })
    expect(decodeShareUrl('?scenario=__proto__', '', isBuiltin)).toMatchObject({ ok: false, errors: ['scenario: no built-in scenario is called "__proto__"'] })
  })
})

describe('hostile saved sessions', () => {
  const bad = (text: string) => {
    const d = decodeSession(text, isBuiltin)
    expect(d.ok).toBe(false)
    return d.ok ? { where: '', errors: [] } : d
  }
  it('corrupt JSON, the wrong shape, and another version are each named', () => {
    expect(bad('{"v":1,').errors[0]).toMatch(/^not valid JSON/)
    expect(bad('[]').errors).toEqual(['expected an object, got an array'])
    expect(bad('"text"').errors).toEqual(['expected an object, got a string'])
    expect(bad('null').errors).toEqual(['expected an object, got null'])
    expect(bad('{"cursor":0}').errors).toEqual([`v: expected ${SESSION_VERSION}, got nothing (saved by an older version of gmemscope)`])
    expect(bad('{"v":0,"cursor":0}').errors[0]).toContain('saved by an older version')
    expect(bad('{"v":2,"cursor":0}').errors[0]).toContain('saved by a newer version')
    expect(bad('{"v":"1","cursor":0}').errors[0]).toContain('saved by something else')
    expect(bad('{"v":1,"cursor":"3","source":"kvm-v11-tour"}').errors).toEqual(['cursor: expected a step number, got a string'])
    expect(bad('{"v":1,"cursor":1.5,"source":"kvm-v11-tour"}').errors).toEqual(['cursor: expected a step number, got number 1.5'])
    expect(bad('{"v":1,"cursor":-1,"source":"kvm-v11-tour"}').errors).toEqual(['cursor: expected a step number, got number -1'])
    expect(bad('{"v":1,"cursor":0,"source":7}').errors).toEqual(['source: expected a built-in id or null, got number 7'])
    expect(bad('{"v":1,"cursor":0,"source":null,"scenario":[]}').where).toBe('the saved session (scenario)')
  })

  it('odd view values fall back to the defaults instead of failing', () => {
    expect(decodeSession('{"v":1,"cursor":0,"source":"kvm-v11-tour","speed":1e400,"theme":"<b>"}', isBuiltin)).toMatchObject({ ok: true, request: { speed: 1000, theme: 'light' } })
  })

  it('a huge or deeply nested entry is refused before JSON.parse', () => {
    expect(bad(' '.repeat(MAX_SESSION_TEXT + 1)).errors).toEqual([`${MAX_SESSION_TEXT + 1} characters is more than the limit of ${MAX_SESSION_TEXT}`])
    expect(bad(`{"v":1,"x":${'['.repeat(50_000)}`).errors[0]).toMatch(/^nested deeper than \d+ levels at character \d+$/)
  })
})
