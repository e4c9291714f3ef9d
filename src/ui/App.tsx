import { useEffect, useState } from 'react'
import { AppStoreProvider, createAppStore, selectExpectFailures, useAppStore, useAppStoreApi, type AppStore } from '../store'
import { ExtentsTable } from './panels/ExtentsTable'
import { FixesToggle } from './panels/FixesToggle'
import { HelpDialog } from './panels/HelpDialog'
import { MessageBanner } from './panels/MessageBanner'
import { Narration } from './panels/Narration'
import { ScenarioPicker } from './panels/ScenarioPicker'
import { ShareMenu } from './panels/ShareMenu'
import { StepControls } from './panels/StepControls'
import { StepList } from './panels/StepList'
import { Timeline } from './panels/Timeline'
import { BUILTIN_SCENARIOS, defaultBuiltin, type BuiltinScenario } from './scenarios'
import { SidePanel } from './Tabs'
import { useTimelineKeys } from './useTimelineKeys'
import { ViewControls } from './ViewControls'
import { Legend } from './viz/Legend'
import { Lifetimes } from './viz/Lifetimes'
import { MemoryView } from './viz/MemoryView'

/** A store opened on the default built-in scenario (the v11 tour). */
export function createDefaultStore(): AppStore {
  const initial = defaultBuiltin()
  return createAppStore(initial ? { scenario: initial.scenario, source: initial.id } : {})
}

function ScenarioErrors({ entry, scenarios }: { entry: BuiltinScenario | null; scenarios: readonly BuiltinScenario[] }) {
  const invalid = entry && !entry.ok ? [entry] : scenarios.filter((b) => !b.ok)
  if (!invalid.length) return null
  return (
    <section className="scenario-errors" role="alert" aria-label="Scenario errors">
      {invalid.map((b) =>
        b.ok ? null : (
          <div key={b.id}>
            <h2>scenarios/{b.id}.json is not a valid scenario</h2>
            <ul>
              {b.errors.map((e) => (
                <li key={e}>
                  <code>{e}</code>
                </li>
              ))}
            </ul>
          </div>
        ),
      )}
    </section>
  )
}

function ScenarioTitle() {
  const title = useAppStore((s) => s.scenario?.title)
  const variant = useAppStore((s) => s.scenario?.variant)
  const failures = useAppStore(selectExpectFailures)
  if (!title) return <p className="scenario-title">No scenario loaded.</p>
  return (
    <div className="scenario-title">
      <h2 className="title">{title}</h2> <span className="variant">{variant}</span>
      {failures > 0 && <span className="expect bad"> · {failures} expect failures</span>}
    </div>
  )
}

function ThemeAndHelp() {
  const store = useAppStoreApi()
  const theme = useAppStore((s) => s.theme)
  useEffect(() => {
    document.documentElement.dataset.theme = theme
  }, [theme])
  return (
    <div className="theme-help">
      <button type="button" aria-keyshortcuts="T" aria-pressed={theme === 'dark'} onClick={() => store.getState().setView({ theme: theme === 'dark' ? 'light' : 'dark' })}>
        Dark mode
      </button>
      <button type="button" aria-keyshortcuts="?" onClick={() => store.getState().setView({ help: true })}>
        Keys (?)
      </button>
    </div>
  )
}

function Shell({ store, scenarios }: { store: AppStore; scenarios: readonly BuiltinScenario[] }) {
  const [invalid, setInvalid] = useState<BuiltinScenario | null>(null)
  const wide = useAppStore((s) => s.tab === 'locks' || s.tab === 'ops')
  useTimelineKeys(store)
  return (
    <div className="app">
      <header className="app-header">
        <h1>gmemscope</h1>
        <ScenarioPicker scenarios={scenarios} onInvalid={setInvalid} />
        <FixesToggle />
        <StepControls />
        <Timeline />
        <ShareMenu />
        <ThemeAndHelp />
      </header>
      <ScenarioTitle />
      <MessageBanner />
      <ScenarioErrors entry={invalid} scenarios={scenarios} />
      <main className={wide ? 'app-main wide-side' : 'app-main'}>
        <StepList />
        <div className="center">
          <Narration />
          <Legend />
          <ViewControls />
          <MemoryView />
          <Lifetimes />
          <ExtentsTable />
        </div>
        <SidePanel />
      </main>
      <HelpDialog />
    </div>
  )
}

/** The app: a store (given, or opened on the default scenario) and the shell around it. */
export function App({ store, scenarios = BUILTIN_SCENARIOS }: { store?: AppStore; scenarios?: readonly BuiltinScenario[] }) {
  const [own] = useState(() => store ?? createDefaultStore())
  return (
    <AppStoreProvider store={own}>
      <Shell store={own} scenarios={scenarios} />
    </AppStoreProvider>
  )
}

export default App
