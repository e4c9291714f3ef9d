import { describe, it, expect } from 'vitest'
import { big, asU64, asLoff, asU32, hex, isInt, toInt, addU64, pageAligned, toPages, pagesToBytes } from '../../../src/engine/u64'

describe('u64', () => {
  it.each([
    [0, 0n],
    [4096, 4096n],
    [-1, -1n],
    ['0x1000', 4096n],
    ['0X1F', 31n],
    ['  42 ', 42n],
    ['-0x10', -16n],
    ['18446744073709551615', (1n << 64n) - 1n],
    ['0xffffffffffffffff', (1n << 64n) - 1n],
    [123n, 123n],
  ])('big(%s) = %s', (x, v) => {
    expect(big(x as never)).toBe(v)
  })

  it.each([1.5, NaN, '0x', '', '12a', '0xg', '--1', '1e3'])('big(%s) throws', (x) => {
    expect(() => big(x as never)).toThrow(RangeError)
  })

  it('isInt accepts safe numbers and integer strings only', () => {
    expect(isInt(0)).toBe(true)
    expect(isInt(2 ** 53)).toBe(false)
    expect(isInt(1.5)).toBe(false)
    expect(isInt('0xffffffffffffffff')).toBe(true)
    expect(isInt('-5')).toBe(true)
    expect(isInt('abc')).toBe(false)
    expect(isInt(null)).toBe(false)
    expect(isInt(5n)).toBe(false)
  })

  it('asU64 reduces modulo 2^64', () => {
    expect(asU64(-1)).toBe((1n << 64n) - 1n)
    expect(asU64('0x10000000000000000')).toBe(0n)
    expect(asU64('0x10000000000001000')).toBe(0x1000n)
    expect(asU64(4096)).toBe(4096n)
  })

  it('asLoff is signed 64-bit', () => {
    expect(asLoff('0x8000000000000000')).toBe(-(1n << 63n))
    expect(asLoff('0xffffffffffffffff')).toBe(-1n)
    expect(asLoff('0x7fffffffffffffff')).toBe((1n << 63n) - 1n)
    expect(asLoff(-4096)).toBe(-4096n)
  })

  it('asU32 truncates', () => {
    expect(asU32('0x100000001')).toBe(1n)
    expect(asU32(-1)).toBe(0xffffffffn)
  })

  it('addU64 wraps', () => {
    expect(addU64((1n << 64n) - 0x1000n, 0x2000n)).toBe(0x1000n)
    expect(addU64(1n, 2n)).toBe(3n)
  })

  it('pageAligned / toPages / pagesToBytes', () => {
    expect(pageAligned(0n)).toBe(true)
    expect(pageAligned(4096n)).toBe(true)
    expect(pageAligned(4095n)).toBe(false)
    expect(pageAligned(-4096n)).toBe(true)
    expect(toPages(0x200000n)).toBe(512)
    expect(toPages(0x1fffn)).toBe(1)
    expect(pagesToBytes(2 ** 40)).toBe(1n << 52n)
  })

  it('hex renders like strace', () => {
    expect(hex(0)).toBe('0x0')
    expect(hex(4096)).toBe('0x1000')
    expect(hex(-16)).toBe('-0x10')
    expect(hex('18446744073709551615')).toBe('0xffffffffffffffff')
    expect(hex(255n)).toBe('0xff')
  })

  it('toInt keeps safe values as numbers and big ones as exact strings', () => {
    expect(toInt(5n)).toBe(5)
    expect(toInt(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER)
    expect(toInt(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBe('9007199254740992')
    expect(toInt(-(1n << 63n))).toBe('-9223372036854775808')
    expect(big(toInt((1n << 64n) - 1n))).toBe((1n << 64n) - 1n)
  })
})
