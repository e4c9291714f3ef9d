/**
 * lz-string's `decompressFromEncodedURIComponent` with a cap on the output.
 *
 * lz-string is LZW-like: n codes can expand to about n²/2 characters, so a link of a few hundred
 * KiB can ask for gigabytes. This is the same algorithm (lz-string 1.5, WTFPL) stopping as soon as
 * the output would pass `maxChars`; the dictionary never holds more than the output plus one
 * character per code, so time and memory are linear in `input.length + maxChars`.
 * Same results as lz-string for every input whose output fits (test/store/lzBounded.test.ts).
 */

const URI_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$'
const VALUE = new Map<string, number>([...URI_SAFE].map((ch, i) => [ch, i]))

export type Decompressed = { ok: true; text: string } | { ok: false; reason: 'damaged' } | { ok: false; reason: 'too-long'; limit: number }

/** Decompresses an lz-string `compressToEncodedURIComponent` string, at most `maxChars` long. */
export function decompressUriBounded(input: string, maxChars: number): Decompressed {
  if (input === '') return { ok: false, reason: 'damaged' }
  const src = input.replace(/ /g, '+')
  const length = src.length
  let val = VALUE.get(src.charAt(0)) ?? 0
  let position = 32
  let index = 1
  const read = (numBits: number): number => {
    let bits = 0
    for (let power = 1, maxpower = 2 ** numBits; power !== maxpower; power *= 2) {
      const resb = val & position
      position >>= 1
      if (position === 0) {
        position = 32
        val = VALUE.get(src.charAt(index++)) ?? 0
      }
      if (resb > 0) bits |= power
    }
    return bits
  }
  const dictionary: (string | undefined)[] = []
  let dictSize = 4
  let numBits = 3
  let enlargeIn = 4
  let c: string
  switch (read(2)) {
    case 0:
      c = String.fromCharCode(read(8))
      break
    case 1:
      c = String.fromCharCode(read(16))
      break
    default:
      return { ok: false, reason: 'damaged' }
  }
  dictionary[3] = c
  let w = c
  const result: string[] = [c]
  let total = 1
  for (;;) {
    if (index > length) return { ok: false, reason: 'damaged' }
    let code = read(numBits)
    if (code === 0 || code === 1) {
      dictionary[dictSize++] = String.fromCharCode(read(code === 0 ? 8 : 16))
      code = dictSize - 1
      enlargeIn--
    } else if (code === 2) {
      return { ok: true, text: result.join('') }
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
    let entry: string
    const known = code >= 3 ? dictionary[code] : undefined
    if (known !== undefined) entry = known
    else if (code === dictSize) entry = w + w.charAt(0)
    else return { ok: false, reason: 'damaged' }
    total += entry.length
    if (total > maxChars) return { ok: false, reason: 'too-long', limit: maxChars }
    result.push(entry)
    dictionary[dictSize++] = w + entry.charAt(0)
    enlargeIn--
    w = entry
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
  }
}
