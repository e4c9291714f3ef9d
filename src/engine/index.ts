/** The engine's public surface. */
export * from './actions'
export * from './result'
export * from './state'
export { step, type StepOutput } from './step'
export { variantDef, registeredVariants, hasVariant, type VariantDef } from './variants/registry'
export * from './u64'
export * from './rangemap'
