/**
 * The URL and localStorage formats of a session.
 *
 * URL, built-in scenario: `?scenario=<id>&step=<n>[&fixed=1]`.
 * URL, custom scenario: `?step=<n>[&fixed=1]#s=<lz-string compressToEncodedURIComponent(JSON)>`.
 * localStorage `gmemscope.session`: `{ "v": 1, "source": id|null, "scenario": Scenario (custom
 * only), "cursor": n, "fixes": bool, "theme", "speed" }`. A bad entry is moved aside to
 * `gmemscope.session.bad` and reported.
 */
import { compressToEncodedURIComponent } from 'lz-string'
import { jsonNestedTooDeep, MAX_JSON_DEPTH, MAX_SCENARIO_TEXT, parseScenario, validateScenario, type Scenario } from '../engine/scenario'
import { decompressUriBounded } from './lzBounded'
import { SPEEDS, type Theme } from './view'

export const SESSION_KEY = 'gmemscope.session'
export const SESSION_BAD_KEY = 'gmemscope.session.bad'
export const SESSION_VERSION = 1
/** The longest `#s=` fragment decoded (characters), checked before decompressing. */
export const MAX_LINK_FRAGMENT = 2 * 1024 * 1024
/** The longest saved session read back (characters), checked before JSON.parse. */
export const MAX_SESSION_TEXT = MAX_SCENARIO_TEXT + 4096

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
    const where = 'the link (#s)'
    if (packed.length > MAX_LINK_FRAGMENT) {
      return { ok: false, where, errors: [`#s: ${packed.length} characters is more than the limit of ${MAX_LINK_FRAGMENT}`] }
    }
    const text = decompressUriBounded(packed, MAX_SCENARIO_TEXT)
    if (!text.ok) {
      const why = text.reason === 'too-long' ? `it decompresses to more than ${text.limit} characters (the scenario text limit)` : 'the compressed scenario is damaged (lz-string could not decompress it)'
      return { ok: false, where, errors: [`#s: ${why}`] }
    }
    const checked = parseScenario(text.text)
    if (!checked.ok) return { ok: false, where, errors: checked.errors.map((e) => e.replace(/^\(file\): /, '#s: ')) }
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

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : `${typeof v} ${JSON.stringify(v)}`
}

/** Parses a stored session; every problem is named. */
export function decodeSession(text: string | null, isBuiltin: (id: string) => boolean): Decoded {
  if (text === null) return { ok: true, request: null }
  const where = 'the saved session'
  if (typeof text !== 'string') return { ok: false, where, errors: ['expected text'] }
  if (text.length > MAX_SESSION_TEXT) return { ok: false, where, errors: [`${text.length} characters is more than the limit of ${MAX_SESSION_TEXT}`] }
  // the scenario sits one level below the session object
  const deep = jsonNestedTooDeep(text, MAX_JSON_DEPTH + 1)
  if (deep !== null) return { ok: false, where, errors: [`nested deeper than ${MAX_JSON_DEPTH + 1} levels at character ${deep}`] }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return { ok: false, where, errors: [`not valid JSON: ${(e as Error).message}`] }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, where, errors: [`expected an object, got ${kindOf(raw)}`] }
  const o = raw as Record<string, unknown>
  if (o.v !== SESSION_VERSION) {
    const age = typeof o.v === 'number' && o.v > SESSION_VERSION ? 'a newer version' : typeof o.v === 'number' || o.v === undefined ? 'an older version' : 'something else'
    return { ok: false, where, errors: [`v: expected ${SESSION_VERSION}, got ${JSON.stringify(o.v) ?? 'nothing'} (saved by ${age} of gmemscope)`] }
  }
  if (typeof o.cursor !== 'number' || !Number.isSafeInteger(o.cursor) || o.cursor < 0) return { ok: false, where, errors: [`cursor: expected a step number, got ${kindOf(o.cursor)}`] }
  const theme: Theme = o.theme === 'dark' ? 'dark' : 'light'
  const speed = typeof o.speed === 'number' && (SPEEDS as readonly number[]).includes(o.speed) ? o.speed : 1000
  const fixes = typeof o.fixes === 'boolean' ? o.fixes : null
  if (typeof o.source === 'string') {
    if (!isBuiltin(o.source)) return { ok: false, where, errors: [`source: no built-in scenario is called "${o.source.slice(0, 60)}"`] }
    return { ok: true, request: { source: o.source, scenario: null, cursor: o.cursor, fixes, theme, speed } }
  }
  if (o.source !== null && o.source !== undefined) return { ok: false, where, errors: [`source: expected a built-in id or null, got ${kindOf(o.source)}`] }
  const checked = validateScenario(o.scenario)
  if (!checked.ok) return { ok: false, where: `${where} (scenario)`, errors: checked.errors.map((e) => `scenario.${e}`) }
  return { ok: true, request: { source: null, scenario: checked.scenario, cursor: o.cursor, fixes, theme, speed } }
}
