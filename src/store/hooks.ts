import { useContext } from 'react'
import { useStore } from 'zustand'
import { AppStoreContext } from './context'
import type { AppState, AppStore } from './createAppStore'

/** The store instance of the nearest AppStoreProvider (for actions and imperative reads). */
export function useAppStoreApi(): AppStore {
  const store = useContext(AppStoreContext)
  if (!store) throw new Error('gmemscope: useAppStore needs an <AppStoreProvider> above it')
  return store
}

/** Subscribes to one slice of the app store; re-renders only when the selected value changes. */
export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStoreApi(), selector)
}
