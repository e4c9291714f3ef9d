import { useEffect } from 'react'
import type { AppStore } from '../store'
import { attachKeys } from './keys'

export { handleTimelineKey } from './keys'

/** Global keys on the window (ux.md §6), ignored while a form control has focus. */
export function useTimelineKeys(store: AppStore): void {
  useEffect(() => attachKeys(store), [store])
}
