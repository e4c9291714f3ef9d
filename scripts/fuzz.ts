/**
 * npm run fuzz -- [--runs N] [--seed S] [--variant V] [--fixes | --as-written] [--max-steps K]
 *
 * The property suite of test/property without vitest's bounds: N random step sequences per variant
 * and mode (as written and with fixes), every invariant checked after every step
 * (test/property/harness.ts). Prints, per variant and mode, how many sequences passed and which
 * invariants seed bugs broke as written; on a failure, the seed, the shrunk step list and the
 * scenario to save as a regression. Exits 1 if any property failed.
 */
import fc from 'fast-check'
import { buildSteps, PROPERTY_VARIANTS, sequenceArb } from '../test/property/arbitraries'
import { checkSequence, PropertyFailure, scenarioOf } from '../test/property/harness'
import type { Variant } from '../src/engine/state'

interface Args {
  runs: number
  seed: number
  variants: readonly Variant[]
  modes: readonly boolean[]
  maxSteps: number
}

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: npm run fuzz -- [--runs N] [--seed S] [--variant ${PROPERTY_VARIANTS.join('|')}] [--fixes | --as-written] [--max-steps K]\n`)
  process.exit(2)
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runs: 500, seed: Date.now() % 2 ** 31, variants: PROPERTY_VARIANTS, modes: [false, true], maxSteps: 24 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string => argv[++i] ?? usage(`${a} needs a value`)
    const int = (min: number, max: number): number => {
      const v = value()
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) usage(`${a} takes an integer from ${min} to ${max}, got "${v}"`)
      return Number(v)
    }
    if (a === '--runs') args.runs = int(1, 10_000_000)
    else if (a === '--seed') args.seed = int(0, 2 ** 31 - 1)
    else if (a === '--max-steps') args.maxSteps = int(1, 1000)
    else if (a === '--variant') {
      const v = value()
      if (!(PROPERTY_VARIANTS as readonly string[]).includes(v)) usage(`unknown variant "${v}"`)
      args.variants = [v as Variant]
    } else if (a === '--fixes') args.modes = [true]
    else if (a === '--as-written') args.modes = [false]
    else if (a === '--help' || a === '-h') usage('help')
    else usage(`unknown argument "${a}"`)
  }
  return args
}

function main(): void {
  const args = parseArgs(process.argv.slice(2))
  process.stdout.write(`fuzz: ${args.runs} sequences per variant and mode, seed ${args.seed}, at most ${args.maxSteps} random steps each\n`)
  let failed = 0
  for (const variant of args.variants) {
    for (const fixes of args.modes) {
      const broken = new Map<string, Set<string>>()
      const engineBugs = new Map<string, number>()
      let steps = 0
      const t0 = performance.now()
      const result = fc.check(
        fc.property(sequenceArb(variant, args.maxSteps), (abs) => {
          const report = checkSequence(variant, fixes, buildSteps(abs))
          steps += report.steps
          for (const e of report.engineBugs) engineBugs.set(e.id, (engineBugs.get(e.id) ?? 0) + 1)
          for (const e of report.explained) {
            const set = broken.get(e.violation.invariant) ?? new Set<string>()
            for (const b of e.bugs) set.add(b)
            broken.set(e.violation.invariant, set)
          }
        }),
        { numRuns: args.runs, seed: args.seed },
      )
      const ms = Math.round(performance.now() - t0)
      const mode = fixes ? 'fixes' : 'as written'
      if (result.failed) {
        failed++
        const err = result.errorInstance
        const steps = result.counterexample ? buildSteps(result.counterexample[0]) : []
        process.stdout.write(`FAIL ${variant} (${mode}) after ${result.numRuns} sequences, seed ${result.seed}, path "${result.counterexamplePath ?? ''}"\n`)
        process.stdout.write(`  ${err instanceof Error ? err.message : String(err)}\n`)
        if (err instanceof PropertyFailure) process.stdout.write(`  kind: ${err.kind}\n`)
        process.stdout.write(`  scenario (save under test/property/regressions/):\n${JSON.stringify(scenarioOf(variant, fixes, steps, `fuzz ${variant} seed ${result.seed}`), null, 1)}\n`)
      } else {
        process.stdout.write(`ok   ${variant} (${mode}): ${result.numRuns} sequences, ${steps} steps, ${ms} ms\n`)
        for (const [inv, bugs] of [...broken].sort()) process.stdout.write(`     broken as written: ${inv} by ${[...bugs].sort().join(', ')}\n`)
        for (const [id, n] of [...engineBugs].sort()) process.stdout.write(`     known engine bug ${id} hit ${n} times (test/property/known_engine_bugs.ts)\n`)
      }
    }
  }
  process.exit(failed ? 1 : 0)
}

main()
