/**
 * View-model selectors over KernelState: pure functions the app draws from, so that no kernel
 * rule (who owns a page, what a binding allows) lives in a component.
 */
export * from './sweep'
export * from './folios'
export * from './spaces'
export * from './bindings'
export * from './lifetimes'
export * from './divergence'
export * from './changes'
export * from './locks'
export * from './lastChange'
export * from './frame'
export * from './lastChanged'
