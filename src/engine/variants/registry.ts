/**
 * The variants the engine can run, each a kernel as one seed (or upstream) defines it: which
 * actions it knows, what its files do (f_op), and which uapi constants its scenarios may name.
 * Variant modules register themselves here; this module imports nothing else of the engine's,
 * so every layer can look a variant up without import cycles.
 */
import type { OpCtx } from '../ctx'
import type { Action } from '../actions'
import type { FileOps } from '../fs/file_table'
import type { ConstantTable } from '../uapi'
import type { Variant } from '../state'

/** What a handler returns: the syscall's value (fd, 0, address) or a negative errno. */
export type Handler = (ctx: OpCtx, action: Action) => number

export interface VariantDef {
  readonly variant: Variant
  readonly title: string
  /** the seed that defines it, for rule citations: "seed 002" */
  readonly seed: string
  /** action handlers by op */
  readonly ops: Readonly<Partial<Record<Action['op'], Handler>>>
  /** file operations by file kind */
  readonly fops: Readonly<Record<string, FileOps>>
  readonly constants: ConstantTable
  /** the seed bugs the fixes switch corrects, by id */
  readonly bugs: readonly string[]
  /** mmu_notifier_invalidate_range_start/_end for an unmap of the VMM's host pages [start, end) */
  readonly mmuNotifier?: (ctx: OpCtx, start: number, end: number) => void
}

const VARIANT_DEFS = new Map<Variant, VariantDef>()

export function registerVariant(def: VariantDef): void {
  VARIANT_DEFS.set(def.variant, def)
}

export function variantDef(variant: Variant): VariantDef {
  const def = VARIANT_DEFS.get(variant)
  if (!def) throw new Error(`unknown variant ${variant}`)
  return def
}

export function hasVariant(variant: string): variant is Variant {
  return VARIANT_DEFS.has(variant as Variant)
}

export function registeredVariants(): Variant[] {
  return [...VARIANT_DEFS.keys()]
}
