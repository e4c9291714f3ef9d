/** The scenario runner's logic, without process I/O, so tests can call it directly. */
import { parseScenario, runScenario, formatRecord, type StepRecord } from '../src/engine/scenario'
import { variantDef } from '../src/engine/variants/registry'
import type { Variant } from '../src/engine/state'

export interface CliResult {
  readonly code: 0 | 1 | 2
  readonly stdout: string
  readonly stderr: string
}

const USAGE = 'usage: npm run scenario -- FILE [--json] [--fixes] [--no-locks]\n'

function jsonRecord(rec: StepRecord): Record<string, unknown> {
  const r = rec.result
  return {
    step: rec.index,
    op: rec.step.op,
    action: rec.action,
    ret: r.ret,
    errno: r.errno,
    signal: r.signal,
    exit: r.exit,
    out: r.out,
    expectOk: rec.expectOk,
    mismatches: rec.mismatches,
    log: r.log.map((l) => l.text),
    rule: r.rule,
    bugs: r.bugs,
    locks: r.locks,
  }
}

export function runCli(argv: readonly string[], read: (path: string) => string): CliResult {
  const flags = new Set(argv.filter((a) => a.startsWith('--')))
  const files = argv.filter((a) => !a.startsWith('--') || a === '-')
  const unknown = [...flags].filter((f) => !['--json', '--fixes', '--no-locks'].includes(f))
  if (files.length !== 1 || unknown.length) {
    return { code: 2, stdout: '', stderr: `${unknown.length ? `unknown option ${unknown.join(' ')}\n` : ''}${USAGE}` }
  }
  const file = files[0]!
  let text: string
  try {
    text = read(file)
  } catch (e) {
    return { code: 2, stdout: '', stderr: `${file}: cannot read: ${(e as Error).message}\n` }
  }
  const parsed = parseScenario(text)
  if (!parsed.ok) {
    return { code: 2, stdout: '', stderr: parsed.errors.map((e) => `${file}: ${e}\n`).join('') }
  }
  const run = runScenario(parsed.scenario, flags.has('--fixes') ? { fixes: true } : {})
  const constants = variantDef(parsed.scenario.variant as Variant).constants
  const lines: string[] = []
  if (flags.has('--json')) {
    for (const rec of run.records) lines.push(JSON.stringify(jsonRecord(rec)))
    lines.push(JSON.stringify({ summary: { steps: run.records.length, expectFailures: run.expectFailures, fixes: run.fixes, variant: parsed.scenario.variant, taint: run.final.taint } }))
  } else {
    lines.push(`# ${parsed.scenario.title} [${parsed.scenario.variant}, ${run.fixes ? 'fixed' : 'as written'}]`)
    for (const rec of run.records) lines.push(...formatRecord(rec, constants, { locks: !flags.has('--no-locks') }))
    lines.push(`${run.records.length} steps, ${run.expectFailures} expect failure${run.expectFailures === 1 ? '' : 's'}`)
  }
  return { code: run.expectFailures ? 1 : 0, stdout: lines.join('\n') + '\n', stderr: '' }
}
