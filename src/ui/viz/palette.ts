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

export type Pattern = 'none' | 'solid' | 'dots' | 'stripes' | 'backstripes' | 'vstripes' | 'crosshatch' | 'hollow'

/** Every kind of filled span the memory view draws. */
export type FillKind =
  /** file pages: the folio states of src/engine/selectors/folios.ts */
  | 'absent'
  | 'allocated'
  | 'lent'
  | 'shared'
  | 'host-mapped'
  | 'reclaimed'
  | 'poisoned'
  /** a gfn whose memory attribute is private / shared (KVM) */
  | 'attr-private'
  | 'attr-shared'
  /** stage 2 maps private guest memory, shared guest memory, or host (hva) memory */
  | 's2-private'
  | 's2-shared'
  | 's2-hva'
  /** a memslot (or Gunyah binding) region; private = KVM_MEM_PRIVATE or a lend binding */
  | 'slot-private'
  | 'slot'
  /** a host mmap of the file */
  | 'vma'

export interface FillStyle {
  readonly color: string
  readonly pattern: Pattern
  /** the legend's words for it */
  readonly label: string
}

export const FILLS: Readonly<Record<FillKind, FillStyle>> = {
  absent: { color: '#6b6b6b', pattern: 'none', label: 'absent (no folio)' },
  allocated: { color: OKABE_ITO.blue, pattern: 'solid', label: 'allocated (host only)' },
  lent: { color: OKABE_ITO.orange, pattern: 'stripes', label: 'lent / private (guest only)' },
  shared: { color: OKABE_ITO.bluishGreen, pattern: 'dots', label: 'shared (guest and host)' },
  'host-mapped': { color: OKABE_ITO.skyBlue, pattern: 'vstripes', label: 'host-mapped' },
  reclaimed: { color: OKABE_ITO.yellow, pattern: 'backstripes', label: 'reclaimed from a guest' },
  poisoned: { color: OKABE_ITO.vermilion, pattern: 'crosshatch', label: 'poisoned (hwpoison)' },
  'attr-private': { color: OKABE_ITO.orange, pattern: 'stripes', label: 'attribute: private' },
  'attr-shared': { color: OKABE_ITO.bluishGreen, pattern: 'dots', label: 'attribute: shared' },
  's2-private': { color: OKABE_ITO.orange, pattern: 'stripes', label: 'stage-2: private guest memory' },
  's2-shared': { color: OKABE_ITO.bluishGreen, pattern: 'dots', label: 'stage-2: shared guest memory' },
  's2-hva': { color: OKABE_ITO.skyBlue, pattern: 'vstripes', label: 'stage-2: host (hva) memory' },
  'slot-private': { color: OKABE_ITO.skyBlue, pattern: 'hollow', label: 'region: private / lend' },
  slot: { color: OKABE_ITO.skyBlue, pattern: 'hollow', label: 'region' },
  vma: { color: OKABE_ITO.reddishPurple, pattern: 'hollow', label: 'host mmap' },
}

/** Which fill wins when several share one pixel: the rarer, more alarming state (ux.md §4.2). */
export const FILL_PRIORITY: Readonly<Record<FillKind, number>> = {
  absent: 0,
  'attr-shared': 1,
  slot: 1,
  'slot-private': 1,
  vma: 1,
  allocated: 2,
  'attr-private': 2,
  's2-hva': 2,
  'host-mapped': 3,
  reclaimed: 4,
  's2-shared': 5,
  shared: 5,
  's2-private': 6,
  lent: 6,
  poisoned: 9,
}

export const RIBBON_COLOR = OKABE_ITO.reddishPurple
