/** Scenario format v1: types, validation, running, formatting. */
export * from './types'
export * from './ops'
export * from './validate'
export * from './lower'
export * from './run'
export * from './format'
