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

function readStorage(storage: BootInput['storage'], key: string): string | null {
  try {
    return storage?.getItem(key) ?? null
  } catch {
    return null
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
  const saved = readStorage(storage, SESSION_KEY)
  const fromStorage = decodeSession(saved, isBuiltin)
  let view: { theme?: 'light' | 'dark'; speed?: number } = {}
  if (!fromStorage.ok) {
    try {
      storage?.setItem(SESSION_BAD_KEY, saved ?? '')
      storage?.removeItem(SESSION_KEY)
    } catch {
      /* storage unavailable: nothing to set aside */
    }
    messages.push({ kind: 'error', title: `${fromStorage.where} was unreadable and has been set aside (localStorage "${SESSION_BAD_KEY}")`, lines: fromStorage.errors })
  } else if (fromStorage.request) {
    view = { theme: fromStorage.request.theme, speed: fromStorage.request.speed }
    request ??= fromStorage.request
  }
  const message: Message | null = messages.length ? { kind: 'error', title: messages.map((m) => m.title).join('; '), lines: messages.flatMap((m) => m.lines) } : null
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
      } catch {
        /* quota or privacy mode: the link still holds the session */
      }
    }
  }
  write()
  return store.subscribe(write)
}
