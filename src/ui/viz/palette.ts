/**
 * The state palette of ux.md §7: Okabe-Ito colours, each with a non-colour cue (a pattern) so
 * no state is told apart by colour alone. Canvas drawers and the SVG legend both read this table.
 */

export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermilion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const

export type Pattern = 'none' | 'solid' | 'dots' | 'stripes' | 'crosshatch' | 'hollow'

/** Every kind of filled span the memory view draws. */
export type FillKind =
  /** a file page with no folio (a hole) */
  | 'absent'
  /** a folio in the page cache, not mapped by any guest */
  | 'allocated'
  /** a folio the guest maps through stage 2 */
  | 'mapped'
  /** a folio with PG_hwpoison */
  | 'poisoned'
  /** a gfn whose memory attribute is private */
  | 'attr-private'
  /** a gfn without the private attribute (shared with the host) */
  | 'attr-shared'
  /** a stage-2 mapping of guest_memfd memory */
  | 's2-gmem'
  /** a stage-2 mapping of host (userspace_addr) memory */
  | 's2-hva'
  /** a memslot with KVM_MEM_PRIVATE */
  | 'slot-private'
  /** a memslot without KVM_MEM_PRIVATE */
  | 'slot'

export interface FillStyle {
  readonly color: string
  readonly pattern: Pattern
  /** the legend's words for it */
  readonly label: string
}

export const FILLS: Readonly<Record<FillKind, FillStyle>> = {
  absent: { color: '#6b6b6b', pattern: 'none', label: 'absent (no folio)' },
  allocated: { color: OKABE_ITO.blue, pattern: 'solid', label: 'allocated' },
  mapped: { color: OKABE_ITO.orange, pattern: 'stripes', label: 'mapped by the guest' },
  poisoned: { color: OKABE_ITO.vermilion, pattern: 'crosshatch', label: 'poisoned (hwpoison)' },
  'attr-private': { color: OKABE_ITO.orange, pattern: 'stripes', label: 'attribute: private' },
  'attr-shared': { color: OKABE_ITO.bluishGreen, pattern: 'dots', label: 'attribute: shared' },
  's2-gmem': { color: OKABE_ITO.orange, pattern: 'stripes', label: 'stage-2: guest_memfd page' },
  's2-hva': { color: OKABE_ITO.bluishGreen, pattern: 'dots', label: 'stage-2: host (hva) page' },
  'slot-private': { color: OKABE_ITO.skyBlue, pattern: 'hollow', label: 'memslot (KVM_MEM_PRIVATE)' },
  slot: { color: OKABE_ITO.skyBlue, pattern: 'hollow', label: 'memslot' },
}

/** Which fill wins when several share one pixel: the rarer, more alarming state. */
export const FILL_PRIORITY: Readonly<Record<FillKind, number>> = {
  absent: 0,
  'attr-shared': 1,
  slot: 1,
  'slot-private': 1,
  allocated: 2,
  'attr-private': 2,
  's2-hva': 2,
  's2-gmem': 3,
  mapped: 3,
  poisoned: 9,
}

export const RIBBON_COLOR = OKABE_ITO.reddishPurple
