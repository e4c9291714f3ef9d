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
import { Guard, PanelBoundary } from './PanelBoundary'
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
        <Guard name="Scenario picker">
          <ScenarioPicker scenarios={scenarios} onInvalid={setInvalid} />
        </Guard>
        <Guard name="Fixes toggle">
          <FixesToggle />
        </Guard>
        <Guard name="Step controls">
          <StepControls />
        </Guard>
        <Guard name="Timeline">
          <Timeline />
        </Guard>
        <Guard name="Share and export">
          <ShareMenu />
        </Guard>
        <ThemeAndHelp />
      </header>
      <Guard name="Scenario title">
        <ScenarioTitle />
      </Guard>
      <MessageBanner />
      <ScenarioErrors entry={invalid} scenarios={scenarios} />
      <main className={wide ? 'app-main wide-side' : 'app-main'}>
        <Guard name="Step list">
          <StepList />
        </Guard>
        <div className="center">
          <Guard name="Narration">
            <Narration />
          </Guard>
          <Guard name="Legend">
            <Legend />
          </Guard>
          <Guard name="View controls">
            <ViewControls />
          </Guard>
          <Guard name="Memory view">
            <MemoryView />
          </Guard>
          <Guard name="Lifetimes">
            <Lifetimes />
          </Guard>
          <Guard name="Extents table">
            <ExtentsTable />
          </Guard>
        </div>
        <Guard name="Side panel">
          <SidePanel />
        </Guard>
      </main>
      <Guard name="Help">
        <HelpDialog />
      </Guard>
    </div>
  )
}

/** The app: a store (given, or opened on the default scenario) and the shell around it. */
export function App({ store, scenarios = BUILTIN_SCENARIOS }: { store?: AppStore; scenarios?: readonly BuiltinScenario[] }) {
  const [own] = useState(() => store ?? createDefaultStore())
  return (
    <AppStoreProvider store={own}>
      <PanelBoundary name="gmemscope" store={own}>
        <Shell store={own} scenarios={scenarios} />
      </PanelBoundary>
    </AppStoreProvider>
  )
}

export default App
