/**
 * Integer arguments at the uapi boundary.
 *
 * Syscall and ioctl arguments are 64-bit (u64, loff_t). JavaScript numbers are exact only up to
 * 2^53, so an argument travels as a JSON number when it is safe, or as a decimal / 0x-hex string
 * when it is not. Ops convert once, at entry, to bigint, check the kernel's conditions on the
 * exact value, and then keep page indices (always < 2^52) as plain numbers in state.
 */

/** An integer argument as it appears in an action: a safe integer, or a decimal/hex string. */
export type Int = number | string

export const PAGE_SHIFT = 12
export const PAGE_SIZE = 4096
const PAGE_MASK = BigInt(PAGE_SIZE - 1)
const TWO64 = 1n << 64n

/** Parses an Int exactly. Throws on a malformed value: validation happens before the engine. */
export function big(x: Int | bigint): bigint {
  if (typeof x === 'bigint') return x
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) throw new RangeError(`not an integer: ${x}`)
    return BigInt(x)
  }
  const s = x.trim()
  const neg = s.startsWith('-')
  const body = neg ? s.slice(1) : s
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(body)) throw new RangeError(`not an integer: ${x}`)
  const v = BigInt(body)
  return neg ? -v : v
}

/** True if x parses as an integer (number or string). */
export function isInt(x: unknown): x is Int {
  if (typeof x === 'number') return Number.isSafeInteger(x)
  if (typeof x !== 'string') return false
  return /^-?(0x[0-9a-f]+|[0-9]+)$/i.test(x.trim())
}

/** The value as the kernel sees a `__u64` field: reduced modulo 2^64. */
export function asU64(x: Int | bigint): bigint {
  return BigInt.asUintN(64, big(x))
}

/** The value as the kernel sees a `loff_t` (signed 64-bit). */
export function asLoff(x: Int | bigint): bigint {
  return BigInt.asIntN(64, big(x))
}

/** The value as a `__u32` field. */
export function asU32(x: Int | bigint): bigint {
  return BigInt.asUintN(32, big(x))
}

/** u64 addition with the kernel's wrap-around. */
export function addU64(a: bigint, b: bigint): bigint {
  return (a + b) % TWO64
}

/** PAGE_ALIGNED(x) */
export function pageAligned(x: bigint): boolean {
  return (x & PAGE_MASK) === 0n
}

/** x >> PAGE_SHIFT as a page index; exact because every index is below 2^52. */
export function toPages(x: bigint): number {
  return Number(x >> BigInt(PAGE_SHIFT))
}

/** Pages back to bytes, exactly. */
export function pagesToBytes(pages: number): bigint {
  return BigInt(pages) << BigInt(PAGE_SHIFT)
}

/** Renders an integer the way strace prints offsets and addresses. */
export function hex(x: Int | bigint): string {
  const v = big(x)
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`
}

/** Encodes a bigint back into an Int for results and state (number when safe). */
export function toInt(x: bigint): Int {
  return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(x)
    : x.toString()
}
