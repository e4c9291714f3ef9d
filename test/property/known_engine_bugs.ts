/**
 * Engine bugs the properties found and that are not fixed yet (engine kernel code is not changed
 * by the property work). Each has a named regression test in test/property/regressions/ marked
 * `it.fails`; here it is recognised so that the random properties keep looking for *other*
 * problems instead of finding this one again. Remove an entry when the engine is fixed: the
 * regression test then passes, and vitest reports the `it.fails` as failing until it is unmarked.
 */
import type { InvariantId } from '../../src/engine/invariants'
import type { KernelState, Variant } from '../../src/engine/state'

export interface ViolationContext {
  readonly variant: Variant
  readonly fixes: boolean
  readonly invariant: InvariantId
  readonly message: string
  /** the ops of the steps run so far, this one included */
  readonly ops: readonly string[]
  readonly state: KernelState
  /** every violation found after the same step */
  readonly all: readonly { readonly invariant: InvariantId; readonly message: string }[]
}

export interface KnownEngineBug {
  readonly id: string
  readonly summary: string
  readonly matches: (v: ViolationContext) => boolean
}

/** None open: EB-1 (gunyah hwpoison per page), EB-2 (B-G15-9) and EB-3 (linear erase) are fixed. */
export const KNOWN_ENGINE_BUGS: readonly KnownEngineBug[] = []


export function knownEngineBug(v: ViolationContext): KnownEngineBug | undefined {
  return KNOWN_ENGINE_BUGS.find((b) => b.matches(v))
}
