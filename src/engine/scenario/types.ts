/**
 * Scenario format v1 ("gmemscope/scenario@1"): the public contract between scenario files, the
 * headless runner and the app. See docs/scenario-format.md. Change only compatibly.
 */
import type { Int } from '../u64'

export const SCENARIO_FORMAT = 'gmemscope/scenario@1'

/** A flag or mode field: constant names of the variant's uapi, or a raw number. */
export type FlagsArg = readonly string[] | Int

export interface Expect {
  readonly ret?: Int
  /** null means success */
  readonly errno?: string | null
  readonly signal?: string | null
  /** the KVM exit (guest_access, KVM_MAP_MEMORY) */
  readonly exit?: string | null
}

/** One step: the op, its uapi-named arguments, and optional as / expect / note. */
export interface ScenarioStep {
  readonly op: string
  readonly as?: string
  readonly expect?: Expect
  readonly note?: string
  /** the CPU (0 or 1) whose task runs the step; default 0 */
  readonly cpu?: number
  readonly [field: string]: unknown
}

export interface Scenario {
  readonly format: typeof SCENARIO_FORMAT
  readonly title: string
  readonly description?: string
  readonly variant: string
  readonly fixes?: boolean
  readonly steps: readonly ScenarioStep[]
  /** two-CPU runs: the CPU (0 or 1) that takes its next lock event, in order (docs/lockdep.md) */
  readonly schedule?: readonly number[]
}
