/**
 * localStorage that is full, unavailable, corrupt, of the wrong shape or from another version:
 * each gives a visible message (the store's `message`, shown by MessageBanner), a session still
 * opens, and a bad entry is set aside in `gmemscope.session.bad`.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createAppStore } from '../../src/store'
import { encodeSession, SESSION_BAD_KEY, SESSION_KEY } from '../../src/store/share'
import { bootStore, syncSession } from '../../src/ui/session'
import { builtinScenariosFrom } from '../../src/ui/scenarios'

const BUILTINS = builtinScenariosFrom({
  'x/kvm-v11-tour.json': JSON.parse(readFileSync(new URL('../../scenarios/kvm-v11-tour.json', import.meta.url), 'utf8')),
})

type Fail = (key: string, value?: string) => unknown

/** A Storage whose getItem / setItem / removeItem can be made to throw. */
function fakeStorage(init: Record<string, string> = {}, fail: { get?: Fail; set?: Fail; remove?: Fail } = {}) {
  const m = new Map(Object.entries(init))
  const raise = (f: Fail | undefined, key: string, value?: string) => {
    const e = f?.(key, value)
    if (e) throw e
  }
  return {
    m,
    getItem: (k: string) => (raise(fail.get, k), m.get(k) ?? null),
    setItem: (k: string, v: string) => (raise(fail.set, k, v), void m.set(k, v)),
    removeItem: (k: string) => (raise(fail.remove, k), void m.delete(k)),
  }
}

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')
const security = () => new DOMException('The operation is insecure.', 'SecurityError')
const boot = (storage: Parameters<typeof bootStore>[0]['storage']) => bootStore({ search: '', hash: '', storage, builtins: BUILTINS })

describe('saving the session', () => {
  it('a full storage (QuotaExceededError) is said once, and again only after a save has worked', () => {
    let full = true
    const storage = fakeStorage({}, { set: () => full && quota() })
    const store = createAppStore({ scenario: BUILTINS[0]!.ok ? BUILTINS[0]!.scenario : undefined, source: 'kvm-v11-tour' })
    const stop = syncSession(store, storage, null)
    const m = store.getState().message
    expect(m).toMatchObject({ kind: 'error', title: expect.stringContaining('The session could not be saved (localStorage is full)') })
    expect(m?.title).toContain('the link in the address bar still holds it')
    expect(m?.lines).toEqual(['QuotaExceededError: The quota has been exceeded.'])
    store.getState().showMessage(null)
    store.getState().jumpTo(2)
    expect(store.getState().message).toBeNull() // not repeated on every step
    full = false
    store.getState().jumpTo(3)
    expect(JSON.parse(storage.m.get(SESSION_KEY)!)).toMatchObject({ cursor: 3 })
    full = true
    store.getState().jumpTo(4)
    expect(store.getState().message?.title).toContain('localStorage is full')
    stop()
  })

  it('a save error appends to a message already shown instead of hiding it', () => {
    const storage = fakeStorage({ [SESSION_KEY]: '{' }, { set: (k) => k === SESSION_KEY && security() })
    const store = boot(storage)
    syncSession(store, storage, null)
    const m = store.getState().message!
    expect(m.title).toMatch(/^the saved session was unreadable and has been set aside .*; The session could not be saved \(localStorage refused it\)/)
    expect(m.lines).toEqual([expect.stringMatching(/^not valid JSON/), 'SecurityError: The operation is insecure.'])
  })
})

describe('opening the saved session', () => {
  it('no storage at all (window.localStorage threw SecurityError, so main.tsx passes null)', () => {
    const store = boot(null)
    expect(store.getState().message).toEqual({ kind: 'info', title: 'localStorage is not available: the session is not saved in this browser; the link in the address bar still holds it', lines: [] })
    expect(store.getState().source).toBe('kvm-v11-tour')
  })

  it('getItem throwing SecurityError', () => {
    const store = boot(fakeStorage({}, { get: () => security() }))
    expect(store.getState().message).toMatchObject({ kind: 'info', title: expect.stringContaining('localStorage could not be read'), lines: ['SecurityError: The operation is insecure.'] })
    expect(store.getState().scenario).not.toBeNull()
  })

  const cases: [string, string, RegExp][] = [
    ['corrupt JSON', '{"v":1,"cursor":', /^not valid JSON/],
    ['an array', '[1,2,3]', /^expected an object, got an array$/],
    ['the wrong shape', '{"v":1,"cursor":{"n":1},"source":"kvm-v11-tour"}', /^cursor: expected a step number, got an object$/],
    ['an older version', '{"v":0,"cursor":0,"source":"kvm-v11-tour"}', /saved by an older version of gmemscope/],
    ['a newer version', '{"v":7,"cursor":0,"source":"kvm-v11-tour","layout":{}}', /saved by a newer version of gmemscope/],
    ['a bad scenario', '{"v":1,"cursor":0,"source":null,"scenario":{"format":"x"}}', /^scenario\.format: /],
  ]
  for (const [what, text, line] of cases) {
    it(`${what}: reported, set aside, and the default scenario opens`, () => {
      const storage = fakeStorage({ [SESSION_KEY]: text })
      const store = boot(storage)
      const m = store.getState().message!
      expect(m.kind).toBe('error')
      expect(m.title).toMatch(/^the saved session( \(scenario\))? was unreadable and has been set aside \(localStorage "gmemscope\.session\.bad"\)$/)
      expect(m.lines[0]).toMatch(line)
      expect(storage.m.get(SESSION_BAD_KEY)).toBe(text)
      expect(storage.m.has(SESSION_KEY)).toBe(false)
      expect(store.getState()).toMatchObject({ source: 'kvm-v11-tour', cursor: 0 })
    })
  }

  it('a bad entry that cannot be set aside (storage full) is removed, and the message says so', () => {
    const storage = fakeStorage({ [SESSION_KEY]: '{oops' }, { set: () => quota() })
    const store = boot(storage)
    expect(store.getState().message?.title).toBe('the saved session was unreadable and could not be set aside and has been removed')
    expect(storage.m.size).toBe(0)
  })

  it('a good entry still opens', () => {
    const saved = encodeSession({ source: 'kvm-v11-tour', scenario: null, cursor: 5, fixes: true, theme: 'dark', speed: 500 })
    const store = boot(fakeStorage({ [SESSION_KEY]: saved }))
    expect(store.getState()).toMatchObject({ source: 'kvm-v11-tour', cursor: 5, fixes: true, theme: 'dark', speed: 500, message: null })
  })
})
