import { useEffect } from 'react'
import type { AppStore } from '../store'

/** Keys that belong to form controls while they have focus (ux.md §6 rule 1). */
function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  const tag = target.tagName
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target.isContentEditable
}

/** The key → action map of the timeline (ux.md §6). Returns whether the key was handled. */
export function handleTimelineKey(store: AppStore, key: string): boolean {
  const s = store.getState()
  switch (key) {
    case 'ArrowRight':
    case 'j':
    case '.':
      s.stepForward()
      return true
    case 'ArrowLeft':
    case 'k':
    case ',':
      s.stepBack()
      return true
    case 'Home':
      s.first()
      return true
    case 'End':
      s.last()
      return true
    case 'v':
    case 'V':
      s.setFixes(!s.fixes)
      return true
    default:
      return false
  }
}

/** Global timeline keys on the window, ignored while a form control has focus. */
export function useTimelineKeys(store: AppStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return
      if (handleTimelineKey(store, e.key)) e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [store])
}
