export * from './createAppStore'
export * from './selectors'
export { AppStoreProvider } from './AppStoreProvider'
export { useAppStore, useAppStoreApi } from './hooks'
