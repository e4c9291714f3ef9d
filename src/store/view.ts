/** The view part of the app state: what is selected, zoom, playback, theme, the message line. */

/** Something the details panel can show. */
export type Selection =
  | { readonly kind: 'folio'; readonly inode: string; readonly page: number }
  | { readonly kind: 'gfn'; readonly vm: string; readonly gfn: number }
  | { readonly kind: 'binding'; readonly id: string }
  | { readonly kind: 'lock'; readonly cls: string }

export interface Message {
  readonly kind: 'error' | 'info'
  readonly title: string
  readonly lines: readonly string[]
}

/** Horizontal zoom of the memory view: pixels = k * x + x (d3 ZoomTransform's k and x). */
export interface Zoom {
  readonly k: number
  readonly x: number
}

export type Theme = 'light' | 'dark'
export type Tab = 'step' | 'locks' | 'log' | 'ops'

export interface ViewState {
  readonly selection: Selection | null
  readonly hovered: Selection | null
  readonly zoom: Zoom
  readonly playing: boolean
  /** milliseconds per step while playing */
  readonly speed: number
  readonly theme: Theme
  readonly tab: Tab
  readonly help: boolean
  readonly message: Message | null
}

export const SPEEDS = [2000, 1000, 500, 250] as const

export const INITIAL_VIEW: ViewState = {
  selection: null,
  hovered: null,
  zoom: { k: 1, x: 0 },
  playing: false,
  speed: 1000,
  theme: 'light',
  tab: 'step',
  help: false,
  message: null,
}
