/**
 * The URL and localStorage formats of a session.
 *
 * URL, built-in scenario: `?scenario=<id>&step=<n>[&fixed=1]`.
 * URL, custom scenario: `?step=<n>[&fixed=1]#s=<lz-string compressToEncodedURIComponent(JSON)>`.
 * localStorage `gmemscope.session`: `{ "v": 1, "source": id|null, "scenario": Scenario (custom
 * only), "cursor": n, "fixes": bool, "theme", "speed" }`. A bad entry is moved aside to
 * `gmemscope.session.bad` and reported.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string'
import { validateScenario, type Scenario } from '../engine/scenario'
import type { Theme } from './view'

export const SESSION_KEY = 'gmemscope.session'
export const SESSION_BAD_KEY = 'gmemscope.session.bad'
export const SESSION_VERSION = 1

/** What a URL or a stored session asks to open. */
export interface SessionRequest {
  readonly source: string | null
  /** the scenario itself (custom), or null to look `source` up among the built-ins */
  readonly scenario: Scenario | null
  readonly cursor: number
  readonly fixes: boolean | null
  readonly theme?: Theme
  readonly speed?: number
}

export type Decoded = { ok: true; request: SessionRequest | null } | { ok: false; where: string; errors: string[] }

export interface ShareInput {
  readonly source: string | null
  readonly scenario: Scenario | null
  readonly cursor: number
  readonly fixes: boolean
}

/** `?…#…` for a session (no origin or path). */
export function encodeShareUrl(s: ShareInput): string {
  const q = new URLSearchParams()
  if (s.source) q.set('scenario', s.source)
  q.set('step', String(s.cursor))
  if (s.fixes) q.set('fixed', '1')
  const hash = !s.source && s.scenario ? `#s=${compressToEncodedURIComponent(JSON.stringify(s.scenario))}` : ''
  return `?${q.toString()}${hash}`
}

function stepOf(raw: string | null): number | string {
  if (raw === null) return 0
  return /^\d{1,9}$/.test(raw) ? Number(raw) : `step: expected a step number, got "${raw.slice(0, 40)}"`
}

/** Reads `?scenario=&step=&fixed=` and `#s=`; null when the URL names no session. */
export function decodeShareUrl(search: string, hash: string, isBuiltin: (id: string) => boolean): Decoded {
  const q = new URLSearchParams(search)
  const h = new URLSearchParams(hash.replace(/^#/, ''))
  const packed = h.get('s')
  const id = q.get('scenario')
  if (!packed && !id) return { ok: true, request: null }
  const step = stepOf(q.get('step'))
  if (typeof step === 'string') return { ok: false, where: 'the link', errors: [step] }
  const fixes = q.has('fixed') ? q.get('fixed') === '1' : null
  if (packed) {
    const text = decompressFromEncodedURIComponent(packed)
    if (!text) return { ok: false, where: 'the link', errors: ['#s: the compressed scenario is damaged (lz-string could not decompress it)'] }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (e) {
      return { ok: false, where: 'the link', errors: [`#s: not valid JSON: ${(e as Error).message}`] }
    }
    const checked = validateScenario(json)
    if (!checked.ok) return { ok: false, where: 'the link (#s)', errors: checked.errors }
    return { ok: true, request: { source: null, scenario: checked.scenario, cursor: step, fixes } }
  }
  if (!isBuiltin(id!)) return { ok: false, where: 'the link', errors: [`scenario: no built-in scenario is called "${id!.slice(0, 60)}"`] }
  return { ok: true, request: { source: id, scenario: null, cursor: step, fixes } }
}

export interface StoredSession extends ShareInput {
  readonly theme: Theme
  readonly speed: number
}

export function encodeSession(s: StoredSession): string {
  return JSON.stringify({
    v: SESSION_VERSION,
    source: s.source,
    scenario: s.source ? null : s.scenario,
    cursor: s.cursor,
    fixes: s.fixes,
    theme: s.theme,
    speed: s.speed,
  })
}

/** Parses a stored session; every problem is named. */
export function decodeSession(text: string | null, isBuiltin: (id: string) => boolean): Decoded {
  if (text === null) return { ok: true, request: null }
  const where = 'the saved session'
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return { ok: false, where, errors: [`not valid JSON: ${(e as Error).message}`] }
  }
  if (typeof raw !== 'object' || raw === null) return { ok: false, where, errors: ['expected an object'] }
  const o = raw as Record<string, unknown>
  if (o.v !== SESSION_VERSION) return { ok: false, where, errors: [`v: expected ${SESSION_VERSION}, got ${JSON.stringify(o.v)} (saved by another version)`] }
  if (typeof o.cursor !== 'number' || !Number.isInteger(o.cursor) || o.cursor < 0) return { ok: false, where, errors: ['cursor: expected a step number'] }
  const theme: Theme = o.theme === 'dark' ? 'dark' : 'light'
  const speed = typeof o.speed === 'number' && o.speed > 0 ? o.speed : 1000
  const fixes = typeof o.fixes === 'boolean' ? o.fixes : null
  if (typeof o.source === 'string') {
    if (!isBuiltin(o.source)) return { ok: false, where, errors: [`source: no built-in scenario is called "${o.source.slice(0, 60)}"`] }
    return { ok: true, request: { source: o.source, scenario: null, cursor: o.cursor, fixes, theme, speed } }
  }
  const checked = validateScenario(o.scenario)
  if (!checked.ok) return { ok: false, where: `${where} (scenario)`, errors: checked.errors.map((e) => `scenario.${e}`) }
  return { ok: true, request: { source: null, scenario: checked.scenario, cursor: o.cursor, fixes, theme, speed } }
}
