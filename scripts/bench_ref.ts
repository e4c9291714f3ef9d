/**
 * The per-page reference model of npm run bench: deliberately simple, one entry per page.
 *
 * It keeps what the engine keeps for the benchmark's ops on kvm-v11 (folios with pfn, uptodate and
 * hwpoison; the file's bindings; the slot's memory attributes and stage 2), but as one typed-array
 * entry per page instead of extents. Like the engine, every op returns a new state and leaves its
 * input intact (time travel keeps every state): a table an op writes is copied first, tables it
 * does not write are shared. It is not the engine's rules — only enough work of the same shape to
 * show what a page-granular design costs; its results are checked against the engine's below.
 */

const ABSENT = -1
const UPTODATE = 1
const HWPOISON = 2

export interface RefState {
  readonly pages: number
  /** pfn per file page, ABSENT when no folio */
  readonly folio: Float64Array
  /** UPTODATE | HWPOISON per file page */
  readonly flags: Uint8Array
  /** memslot id + 1 per file page, 0 when unbound (the gmem xarray) */
  readonly bind: Int32Array
  /** per gfn of the slot: 1 = private */
  readonly attr: Uint8Array
  /** per gfn of the slot: mapped pfn, ABSENT when not mapped */
  readonly s2: Float64Array
  readonly nextPfn: number
}

/** The result of one op: the new state and an errno (null on success). */
export interface RefOut {
  readonly state: RefState
  readonly errno: string | null
}

const ok = (state: RefState): RefOut => ({ state, errno: null })
const fail = (state: RefState, errno: string): RefOut => ({ state, errno })

/** KVM_CREATE_GUEST_MEMFD: every page's entry starts absent and unbound. */
export function refCreate(pages: number): RefState {
  const folio = new Float64Array(pages)
  const s2 = new Float64Array(pages)
  const flags = new Uint8Array(pages)
  const bind = new Int32Array(pages)
  const attr = new Uint8Array(pages)
  for (let i = 0; i < pages; i++) {
    folio[i] = ABSENT
    s2[i] = ABSENT
    flags[i] = 0
    bind[i] = 0
    attr[i] = 0
  }
  return { pages, folio, flags, bind, attr, s2, nextPfn: 0x100000 }
}

/** KVM_SET_USER_MEMORY_REGION2 with the file: bind every page, refusing an already bound one. */
export function refBind(s: RefState, slot: number, start: number, n: number): RefOut {
  const bind = s.bind.slice()
  for (let i = start; i < start + n; i++) {
    if (bind[i] !== 0) return fail(s, 'EEXIST')
    bind[i] = slot + 1
  }
  return ok({ ...s, bind })
}

/** KVM_SET_MEMORY_ATTRIBUTES over gfns of the slot (slot-relative). */
export function refAttributes(s: RefState, start: number, n: number, priv: boolean): RefOut {
  const attr = s.attr.slice()
  let s2: Float64Array | null = null
  for (let g = start; g < start + n; g++) {
    if (attr[g] === (priv ? 1 : 0)) continue
    attr[g] = priv ? 1 : 0
    // a conversion zaps the gfn's stage-2 mapping
    if (s.s2[g] !== ABSENT) {
      s2 ??= s.s2.slice()
      s2[g] = ABSENT
    }
  }
  return ok({ ...s, attr, s2: s2 ?? s.s2 })
}

/** fallocate(KEEP_SIZE): a zeroed folio for every absent page. */
export function refFallocate(s: RefState, start: number, n: number): RefOut {
  if (start + n > s.pages) return fail(s, 'EINVAL')
  const folio = s.folio.slice()
  const flags = s.flags.slice()
  let pfn = s.nextPfn
  for (let i = start; i < start + n; i++) {
    if (folio[i] !== ABSENT) continue
    folio[i] = pfn++
    flags[i] = UPTODATE
  }
  return ok({ ...s, folio, flags, nextPfn: pfn })
}

/** fallocate(PUNCH_HOLE | KEEP_SIZE): zap the bound gfns, drop the folios. */
export function refPunch(s: RefState, start: number, n: number): RefOut {
  const end = Math.min(s.pages, start + n)
  const folio = s.folio.slice()
  const flags = s.flags.slice()
  const s2 = s.s2.slice()
  for (let i = start; i < end; i++) {
    if (s.bind[i] !== 0) s2[i] = ABSENT
    folio[i] = ABSENT
    flags[i] = 0
  }
  return ok({ ...s, folio, flags, s2 })
}

/** A private guest fault on one gfn (slot-relative): get the folio (allocating it), map it. */
export function refFault(s: RefState, gfn: number): RefOut {
  if (gfn < 0 || gfn >= s.pages || s.attr[gfn] !== 1) return fail(s, 'EFAULT')
  if (s.bind[gfn] === 0) return fail(s, 'EFAULT')
  let { folio, flags, nextPfn } = s
  if (folio[gfn] === ABSENT) {
    folio = folio.slice()
    flags = flags.slice()
    folio[gfn] = nextPfn++
    flags[gfn] = UPTODATE
  }
  if (flags[gfn]! & HWPOISON) return fail(s, 'EHWPOISON')
  const s2 = s.s2.slice()
  s2[gfn] = folio[gfn]!
  return ok({ ...s, folio, flags, s2, nextPfn })
}

/** memory_failure on one file page: mark it hwpoison (already poisoned: EHWPOISON). */
export function refPoison(s: RefState, page: number): RefOut {
  if (s.folio[page] === ABSENT) return fail(s, 'EINVAL')
  if (s.flags[page]! & HWPOISON) return fail(s, 'EHWPOISON')
  const flags = s.flags.slice()
  flags[page] = flags[page]! | HWPOISON
  return ok({ ...s, flags })
}

/** Counts for checking the model against the engine: allocated, poisoned and mapped pages. */
export function refCounts(s: RefState): { allocated: number; poisoned: number; mapped: number } {
  let allocated = 0
  let poisoned = 0
  let mapped = 0
  for (let i = 0; i < s.pages; i++) {
    if (s.folio[i] !== ABSENT) allocated++
    if (s.flags[i]! & HWPOISON) poisoned++
    if (s.s2[i] !== ABSENT) mapped++
  }
  return { allocated, poisoned, mapped }
}
