import { createContext } from 'react'
import type { AppStore } from './createAppStore'

export const AppStoreContext = createContext<AppStore | null>(null)
