import { type ReactNode } from 'react'
import { AppStoreContext } from './context'
import type { AppStore } from './createAppStore'

/** Makes `store` the app store of everything below it (one store per app or per test). */
export function AppStoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <AppStoreContext value={store}>{children}</AppStoreContext>
}
