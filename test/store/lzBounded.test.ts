import fc from 'fast-check'
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string'
import { describe, expect, it } from 'vitest'
import { decompressUriBounded } from '../../src/store/lzBounded'

const URI_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$ '

describe('decompressUriBounded', () => {
  it('round-trips what lz-string compresses (any text, any length)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const packed = compressToEncodedURIComponent(text)
        const out = decompressUriBounded(packed, 1 << 20)
        if (text === '') expect(out.ok).toBe(false) // lz-string: "" compresses to a stream that decodes as ""
        else expect(out).toEqual({ ok: true, text })
      }),
      { numRuns: 300 },
    )
  })

  it('agrees with lz-string on garbage, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...URI_CHARS), maxLength: 60 }), (junk) => {
        let theirs: string | null
        try {
          theirs = decompressFromEncodedURIComponent(junk)
        } catch {
          theirs = null // lz-string itself throws on some garbage ("z"); ours says "damaged"
        }
        const ours = decompressUriBounded(junk, 1 << 20)
        // lz-string also "decodes" some damaged streams (a bad first code gives undefined, joined as
        // ""); ours calls those damaged. Whatever ours accepts, lz-string decodes the same way.
        if (ours.ok) expect(ours.text).toBe(theirs)
        else if (!theirs) expect(ours).toEqual({ ok: false, reason: 'damaged' })
      }),
      { numRuns: 500 },
    )
  })

  it('stops at the cap: a short link that expands quadratically costs nothing', () => {
    // "aaaa…": LZW codes grow by one character each, so n codes give ~n²/2 characters
    const packed = compressToEncodedURIComponent('a'.repeat(2_000_000))
    expect(packed.length).toBeLessThan(6_000)
    expect(decompressUriBounded(packed, 1000)).toEqual({ ok: false, reason: 'too-long', limit: 1000 })
    expect(decompressUriBounded(packed, 2_000_000)).toMatchObject({ ok: true })
    expect(decompressUriBounded(packed, 1_999_999)).toMatchObject({ ok: false, reason: 'too-long' })
    expect(decompressUriBounded('z', 1000)).toEqual({ ok: false, reason: 'damaged' })
  })
})
