/**
 * Failure containment: a panel or view that throws while rendering is replaced by a message that
 * names it, with the error (as text), "Try again" and "Export session"; the rest of the app keeps
 * working. The boundary also resets by itself when the session moves on (another step, scenario
 * or fixes flag), so a crash tied to one state does not outlive it.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react'
import { useAppStore, useAppStoreApi, type AppStore } from '../store'
import { exportScenarioJson } from './panels/exportScenario'

interface BoundaryProps {
  /** the panel's name as the user sees it ("Memory view", "Locks") */
  readonly name: string
  readonly store: AppStore
  /** any change resets the boundary (the crash may belong to the old state) */
  readonly resetKey?: unknown
  readonly children?: ReactNode
}

interface BoundaryState {
  readonly error: unknown
  readonly failed: boolean
  readonly exportNote: string | null
}

function messageOf(error: unknown): string {
  try {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text
  } catch {
    return 'an error that cannot be shown as text'
  }
}

export class PanelBoundary extends Component<BoundaryProps, BoundaryState> {
  state: BoundaryState = { error: null, failed: false, exportNote: null }

  static getDerivedStateFromError(error: unknown): Partial<BoundaryState> {
    return { error, failed: true, exportNote: null }
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`gmemscope: the ${this.props.name} panel failed`, error, info.componentStack)
  }

  componentDidUpdate(prev: BoundaryProps): void {
    if (this.state.failed && !Object.is(prev.resetKey, this.props.resetKey)) this.reset()
  }

  reset = (): void => {
    this.setState({ error: null, failed: false, exportNote: null })
  }

  exportSession = (): void => {
    try {
      const done = exportScenarioJson(this.props.store.getState())
      this.setState({ exportNote: done ? 'The scenario was downloaded as JSON.' : 'No scenario is loaded: nothing to export.' })
    } catch (e) {
      this.setState({ exportNote: `Export failed: ${messageOf(e)}` })
    }
  }

  render(): ReactNode {
    if (!this.state.failed) return this.props.children
    const { name } = this.props
    return (
      <section className="panel-failed message error" role="alert" aria-label={`${name} failed`}>
        <strong>The {name} panel failed; the rest of gmemscope still works.</strong>
        <pre className="panel-error">{messageOf(this.state.error)}</pre>
        <div className="panel-failed-actions">
          <button type="button" onClick={this.reset}>
            Try again
          </button>
          <button type="button" onClick={this.exportSession}>
            Export session
          </button>
        </div>
        {this.state.exportNote && <p role="status">{this.state.exportNote}</p>}
      </section>
    )
  }
}

/** A PanelBoundary on the app's store that resets when the step, scenario or fixes flag changes. */
export function Guard({ name, children }: { name: string; children?: ReactNode }) {
  const store = useAppStoreApi()
  const scenario = useAppStore((s) => s.scenario)
  const cursor = useAppStore((s) => s.cursor)
  const fixes = useAppStore((s) => s.fixes)
  return (
    <PanelBoundary name={name} store={store} resetKey={`${cursor}/${fixes}/${scenarioKey(scenario)}`}>
      {children}
    </PanelBoundary>
  )
}

const ids = new WeakMap<object, number>()
let nextId = 0
function scenarioKey(s: object | null): number {
  if (!s) return -1
  let id = ids.get(s)
  if (id === undefined) ids.set(s, (id = nextId++))
  return id
}
