import type { AppState } from '../../store'
import { downloadText } from '../export/download'

/** A file name stem for the session: the built-in id, or "scenario" for a custom one. */
export function exportBaseName(s: Pick<AppState, 'source'>): string {
  return (s.source ?? 'scenario').replace(/[^a-zA-Z0-9._-]/g, '_')
}

/** Downloads the loaded scenario as `<id>.json`; false when nothing is loaded. */
export function exportScenarioJson(s: Pick<AppState, 'source' | 'scenario'>): boolean {
  if (!s.scenario) return false
  downloadText(`${exportBaseName(s)}.json`, `${JSON.stringify(s.scenario, null, 2)}\n`, 'application/json')
  return true
}
