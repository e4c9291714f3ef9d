import { useId } from 'react'
import { useAppStore, useAppStoreApi, type Tab } from '../store'
import { LockPanel } from './panels/locks/LockPanel'
import { LogPanel } from './panels/LogPanel'
import { OpPalette } from './panels/OpPalette'
import { SelectionDetails } from './panels/SelectionDetails'
import { StepDetails } from './panels/StepDetails'
import { Guard } from './PanelBoundary'

const TABS: readonly { id: Tab; label: string; key?: string }[] = [
  { id: 'step', label: 'Step' },
  { id: 'locks', label: 'Locks', key: 'L' },
  { id: 'log', label: 'Kernel log' },
  { id: 'ops', label: 'Operations' },
]

/** The right-hand panel: the step and selection, the locks, the kernel log, the operation palette. */
export function SidePanel() {
  const id = useId()
  const store = useAppStoreApi()
  const tab = useAppStore((s) => s.tab)
  return (
    <div className="side-panel">
      <div role="tablist" aria-label="Panels" className="tabs">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`${id}-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`${id}-panel`}
            aria-keyshortcuts={t.key}
            onClick={() => store.getState().setView({ tab: t.id })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${tab}`} className="tab-body">
        {tab === 'step' && (
          <>
            <Guard name="Step details">
              <StepDetails />
            </Guard>
            <Guard name="Selection details">
              <SelectionDetails />
            </Guard>
          </>
        )}
        {tab === 'locks' && (
          <Guard name="Locks">
            <LockPanel />
          </Guard>
        )}
        {tab === 'log' && (
          <Guard name="Kernel log">
            <LogPanel />
          </Guard>
        )}
        {tab === 'ops' && (
          <Guard name="Operations">
            <OpPalette />
          </Guard>
        )}
      </div>
    </div>
  )
}
