/**
 * Property tests of issue 8: random step sequences for every variant, as written and with fixes,
 * with every invariant of src/engine/invariants.ts checked after every step (test/property/harness.ts).
 *
 * Bounded: PROPERTY_RUNS sequences per variant and mode (default 200; about 15 s for the whole file on
 * two cores). `npm run fuzz -- --runs N` runs the same properties longer. FC_SEED fixes the seed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildSteps, PROPERTY_VARIANTS, sequenceArb } from './arbitraries'
import { checkSequence } from './harness'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200)
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)

describe.each(PROPERTY_VARIANTS)('%s under random operations', (variant) => {
  it.each([
    ['as written', false],
    ['with fixes', true],
  ] as const)('%s: every invariant holds after every step (or a seed bug the run took explains it)', (_mode, fixes) => {
    fc.assert(
      fc.property(sequenceArb(variant), (abs) => {
        checkSequence(variant, fixes, buildSteps(abs))
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })

  it('generated sequences validate, and serialised and parsed again are the same scenario', () => {
    // checkSequence checks this on every sequence; this states it for a fixed sample
    for (const abs of fc.sample(sequenceArb(variant), { numRuns: 20, seed: 42 })) {
      expect(() => checkSequence(variant, true, buildSteps(abs))).not.toThrow()
    }
  })
})
