import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseScenario, type Scenario } from '../../src/engine/scenario'
import { createAppStore } from '../../src/store'
import { decodeSession, decodeShareUrl, encodeSession, encodeShareUrl, SESSION_BAD_KEY, SESSION_KEY } from '../../src/store/share'
import { bootStore, syncSession } from '../../src/ui/session'
import { builtinScenariosFrom } from '../../src/ui/scenarios'

function load(id: string): Scenario {
  const parsed = parseScenario(readFileSync(new URL(`../../scenarios/${id}.json`, import.meta.url), 'utf8'))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.scenario
}

const BUILTINS = builtinScenariosFrom({
  'x/kvm-v11-tour.json': JSON.parse(readFileSync(new URL('../../scenarios/kvm-v11-tour.json', import.meta.url), 'utf8')),
  'x/gunyah-lend-vs-share.json': JSON.parse(readFileSync(new URL('../../scenarios/gunyah-lend-vs-share.json', import.meta.url), 'utf8')),
})
const isBuiltin = (id: string) => BUILTINS.some((b) => b.id === id)

function memoryStorage(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init))
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k), m }
}

describe('share URL', () => {
  it('a built-in round-trips as ?scenario=&step=', () => {
    const url = encodeShareUrl({ source: 'gunyah-lend-vs-share', scenario: null, cursor: 14, fixes: false })
    expect(url).toBe('?scenario=gunyah-lend-vs-share&step=14')
    expect(decodeShareUrl(url, '', isBuiltin)).toEqual({ ok: true, request: { source: 'gunyah-lend-vs-share', scenario: null, cursor: 14, fixes: null } })
  })

  it('a custom scenario round-trips compressed in the fragment, with fixed=1', () => {
    const sc = { ...load('kvm-v11-tour'), title: 'mine </script> & "quotes"' }
    const url = encodeShareUrl({ source: null, scenario: sc, cursor: 3, fixes: true })
    const [search, hash] = url.split('#') as [string, string]
    const d = decodeShareUrl(search, `#${hash}`, isBuiltin)
    expect(d).toEqual({ ok: true, request: { source: null, scenario: sc, cursor: 3, fixes: true } })
  })

  it('bad links say what is wrong and where', () => {
    expect(decodeShareUrl('?scenario=nope', '', isBuiltin)).toMatchObject({ ok: false, errors: ['scenario: no built-in scenario is called "nope"'] })
    expect(decodeShareUrl('?scenario=kvm-v11-tour&step=x', '', isBuiltin)).toMatchObject({ ok: false, errors: [expect.stringContaining('step: expected a step number')] })
    expect(decodeShareUrl('', '#s=garbage', isBuiltin)).toMatchObject({ ok: false })
    expect(decodeShareUrl('', '', isBuiltin)).toEqual({ ok: true, request: null })
  })
})

describe('saved session', () => {
  it('round-trips a built-in and a custom scenario', () => {
    const text = encodeSession({ source: 'kvm-v11-tour', scenario: load('kvm-v11-tour'), cursor: 4, fixes: true, theme: 'dark', speed: 500 })
    expect(JSON.parse(text).scenario).toBeNull()
    expect(decodeSession(text, isBuiltin)).toMatchObject({ ok: true, request: { source: 'kvm-v11-tour', cursor: 4, fixes: true, theme: 'dark', speed: 500 } })
    const custom = encodeSession({ source: null, scenario: load('kvm-v11-tour'), cursor: 1, fixes: false, theme: 'light', speed: 1000 })
    expect(decodeSession(custom, isBuiltin)).toMatchObject({ ok: true, request: { source: null, cursor: 1 } })
  })

  it('a corrupt or outdated entry is named', () => {
    expect(decodeSession('{', isBuiltin)).toMatchObject({ ok: false, errors: [expect.stringContaining('not valid JSON')] })
    expect(decodeSession('{"v":0,"cursor":0}', isBuiltin)).toMatchObject({ ok: false, errors: [expect.stringContaining('saved by an older version')] })
    expect(decodeSession('{"v":1,"cursor":0,"source":null,"scenario":{}}', isBuiltin)).toMatchObject({ ok: false, where: 'the saved session (scenario)' })
  })
})

describe('boot and sync', () => {
  it('the link wins over the saved session; a bad saved entry is set aside and reported', () => {
    const storage = memoryStorage({ [SESSION_KEY]: '{"v":1,"cursor":"x"}' })
    const store = bootStore({ search: '?scenario=gunyah-lend-vs-share&step=5', hash: '', storage, builtins: BUILTINS })
    const s = store.getState()
    expect(s.source).toBe('gunyah-lend-vs-share')
    expect(s.cursor).toBe(5)
    expect(s.message?.title).toContain('set aside')
    expect(storage.m.get(SESSION_BAD_KEY)).toBe('{"v":1,"cursor":"x"}')
    expect(storage.m.has(SESSION_KEY)).toBe(false)
  })

  it('a bad link falls back to the saved session, with a message', () => {
    const saved = encodeSession({ source: 'kvm-v11-tour', scenario: null, cursor: 7, fixes: false, theme: 'light', speed: 1000 })
    const store = bootStore({ search: '?scenario=nope', hash: '', storage: memoryStorage({ [SESSION_KEY]: saved }), builtins: BUILTINS })
    expect(store.getState()).toMatchObject({ source: 'kvm-v11-tour', cursor: 7 })
    expect(store.getState().message?.lines).toEqual(['scenario: no built-in scenario is called "nope"'])
  })

  it('syncSession writes the link and the saved session on every change', () => {
    const storage = memoryStorage()
    const urls: string[] = []
    const store = createAppStore({ scenario: load('kvm-v11-tour'), source: 'kvm-v11-tour' })
    const stop = syncSession(store, storage, { replaceState: (_a: unknown, _b: string, url?: string | URL | null) => void urls.push(String(url)) })
    store.getState().jumpTo(2)
    expect(urls.at(-1)).toBe('?scenario=kvm-v11-tour&step=2')
    expect(JSON.parse(storage.m.get(SESSION_KEY)!)).toMatchObject({ v: 1, source: 'kvm-v11-tour', cursor: 2 })
    stop()
  })
})

describe('store editing', () => {
  it('appendStep() appends, re-runs and goes to the new step; dropLastStep() undoes it', () => {
    const store = createAppStore({ scenario: load('kvm-v11-tour'), source: 'kvm-v11-tour' })
    expect(store.getState().appendStep({ op: 'close', fd: 42 })).toEqual([])
    expect(store.getState()).toMatchObject({ cursor: 16, source: null })
    expect(store.getState().run!.records[15]!.result.errno).toBe('EBADF')
    store.getState().dropLastStep()
    expect(store.getState().scenario!.steps).toHaveLength(15)
  })

  it('importScenario() keeps the session on errors and reports them with their path', () => {
    const store = createAppStore({ scenario: load('kvm-v11-tour'), source: 'kvm-v11-tour', cursor: 3 })
    expect(store.getState().importScenario({ format: 'gmemscope/scenario@1', title: 't', variant: 'kvm-v11', steps: [{ op: 'nope' }] }, 'x.json')).toBe(false)
    expect(store.getState()).toMatchObject({ source: 'kvm-v11-tour', cursor: 3 })
    expect(store.getState().message?.lines[0]).toContain('steps[0].op: unknown op "nope"')
    expect(store.getState().importScenario(load('gunyah-lend-vs-share'), 'y.json')).toBe(true)
    expect(store.getState().scenario!.variant).toBe('gunyah-v17')
  })
})
