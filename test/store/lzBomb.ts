/**
 * An lz-string `compressToEncodedURIComponent` stream that decompresses to "a" repeated
 * 1 + 2 + … + (codes + 1) times: each code is the "next dictionary entry" case, so n codes (about
 * 1.6·n·log2(n)/6 characters of link) ask for ~n²/2 characters. Built directly because lz-string's
 * own compressor needs about a minute to compress 16 MiB.
 */
const URI_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$'

export function lzBomb(codes: number): { packed: string; length: number } {
  const out: string[] = []
  let val = 0
  let pos = 0
  const write = (value: number, bits: number) => {
    for (let i = 0; i < bits; i++) {
      val = (val << 1) | (value & 1)
      value >>= 1
      if (pos === 5) {
        out.push(URI_SAFE.charAt(val))
        val = 0
        pos = 0
      } else pos++
    }
  }
  write(0, 2) // an 8-bit character follows
  write(97, 8) // "a"
  let dictSize = 4
  let numBits = 3
  let enlargeIn = 4
  for (let i = 0; i < codes; i++) {
    write(dictSize, numBits)
    dictSize++
    if (--enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
  }
  write(2, numBits) // end of stream
  for (;;) {
    val <<= 1
    if (pos === 5) {
      out.push(URI_SAFE.charAt(val))
      break
    }
    pos++
  }
  return { packed: out.join(''), length: ((codes + 1) * (codes + 2)) / 2 }
}
