/**
 * Opening a session (link first, then the saved session, then the default scenario) and keeping
 * the link and localStorage up to date. A bad link or saved entry is reported, and a bad saved
 * entry is moved aside, never a blank page.
 */
import { createAppStore, type AppStore, type Message } from '../store'
import { decodeSession, decodeShareUrl, encodeSession, encodeShareUrl, SESSION_BAD_KEY, SESSION_KEY, type SessionRequest } from '../store/share'
import { BUILTIN_SCENARIOS, defaultBuiltin, type BuiltinScenario } from './scenarios'

export interface BootInput {
  readonly search: string
  readonly hash: string
  readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null
  readonly builtins?: readonly BuiltinScenario[]
}

function errorName(e: unknown): string {
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'name' in e)) {
    const { name, message } = e as { name?: unknown; message?: unknown }
    return `${String(name)}${message ? `: ${String(message).slice(0, 200)}` : ''}`
  }
  return String(e).slice(0, 200)
}

function storageFull(e: unknown): boolean {
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED'
}

const NOT_SAVED = 'the session is not saved in this browser; the link in the address bar still holds it'

/** Shows `next`, appended to a message already shown (an error wins over an info). */
export function addMessage(store: AppStore, next: Message): void {
  const current = store.getState().message
  if (!current) return store.getState().showMessage(next)
  if (current.title.includes(next.title)) return
  store.getState().showMessage({
    kind: current.kind === 'error' || next.kind === 'error' ? 'error' : 'info',
    title: `${current.title}; ${next.title}`,
    lines: [...current.lines, ...next.lines],
  })
}

type Read = { ok: true; text: string | null } | { ok: false; error: unknown }

function readStorage(storage: BootInput['storage'], key: string): Read {
  try {
    return { ok: true, text: storage?.getItem(key) ?? null }
  } catch (error) {
    return { ok: false, error }
  }
}

/** The store a page load opens. */
export function bootStore({ search, hash, storage, builtins = BUILTIN_SCENARIOS }: BootInput): AppStore {
  const isBuiltin = (id: string) => builtins.some((b) => b.id === id && b.ok)
  const messages: Message[] = []
  let request: SessionRequest | null = null
  const fromUrl = decodeShareUrl(search, hash, isBuiltin)
  if (fromUrl.ok) request = fromUrl.request
  else messages.push({ kind: 'error', title: `${fromUrl.where} could not be opened; showing the saved session instead`, lines: fromUrl.errors })
  const read = readStorage(storage, SESSION_KEY)
  if (!storage) messages.push({ kind: 'info', title: `localStorage is not available: ${NOT_SAVED}`, lines: [] })
  else if (!read.ok) messages.push({ kind: 'info', title: `localStorage could not be read: ${NOT_SAVED}`, lines: [errorName(read.error)] })
  const saved = read.ok ? read.text : null
  const fromStorage = decodeSession(saved, isBuiltin)
  let view: { theme?: 'light' | 'dark'; speed?: number } = {}
  if (!fromStorage.ok) {
    let kept = false
    try {
      // remove first: a full storage then has room for the copy
      storage?.removeItem(SESSION_KEY)
      storage?.removeItem(SESSION_BAD_KEY)
      storage?.setItem(SESSION_BAD_KEY, saved ?? '')
      kept = true
    } catch {
      /* storage full or unavailable: the entry cannot be kept */
    }
    const aside = kept ? `has been set aside (localStorage "${SESSION_BAD_KEY}")` : 'could not be set aside and has been removed'
    messages.push({ kind: 'error', title: `${fromStorage.where} was unreadable and ${aside}`, lines: fromStorage.errors })
  } else if (fromStorage.request) {
    view = { theme: fromStorage.request.theme, speed: fromStorage.request.speed }
    request ??= fromStorage.request
  }
  const message: Message | null = messages.length
    ? { kind: messages.some((m) => m.kind === 'error') ? 'error' : 'info', title: messages.map((m) => m.title).join('; '), lines: messages.flatMap((m) => m.lines) }
    : null
  const viewInit = { ...(view.theme ? { theme: view.theme } : {}), ...(view.speed ? { speed: view.speed } : {}), message }
  if (request) {
    const entry = request.source ? builtins.find((b) => b.id === request!.source) : undefined
    const scenario = request.scenario ?? (entry && entry.ok ? entry.scenario : null)
    if (scenario) {
      return createAppStore({ scenario, source: request.source, cursor: request.cursor, fixes: request.fixes ?? undefined, view: viewInit })
    }
  }
  const d = defaultBuiltin()
  return createAppStore(d ? { scenario: d.scenario, source: d.id, view: viewInit } : { view: viewInit })
}

/** Writes the session to localStorage and the link to the address bar whenever they change. */
export function syncSession(store: AppStore, storage: BootInput['storage'], history: Pick<History, 'replaceState'> | null): () => void {
  let lastUrl = ''
  let lastSaved = ''
  let lastKey: unknown[] = []
  let failing = false
  const write = () => {
    const s = store.getState()
    const key = [s.scenario, s.source, s.cursor, s.fixes, s.theme, s.speed]
    if (key.every((v, i) => v === lastKey[i])) return
    lastKey = key
    const url = encodeShareUrl(s)
    if (url !== lastUrl && history) {
      lastUrl = url
      history.replaceState(null, '', url)
    }
    const text = encodeSession(s)
    if (text !== lastSaved) {
      lastSaved = text
      try {
        storage?.setItem(SESSION_KEY, text)
        failing = false
      } catch (e) {
        // quota or privacy mode: the link still holds the session; said once until a save works
        if (!failing) {
          failing = true
          const why = storageFull(e) ? 'localStorage is full' : 'localStorage refused it'
          addMessage(store, { kind: 'error', title: `The session could not be saved (${why}): ${NOT_SAVED}`, lines: [errorName(e)] })
        }
      }
    }
  }
  write()
  return store.subscribe(write)
}
