/** The scenario runner's logic, without process I/O, so tests can call it directly. */
import { parseScenario, runScenario, formatRecord, type StepRecord } from '../src/engine/scenario'
import { variantDef } from '../src/engine/variants/registry'
import type { Variant } from '../src/engine/state'
import { analyzeRun, cpuStreams, formatReplay, replaySchedule, scheduleOf, type LockdepReport, type RunAnalysis } from '../src/engine/lockdep'

export interface CliResult {
  readonly code: 0 | 1 | 2
  readonly stdout: string
  readonly stderr: string
}

const USAGE = 'usage: npm run scenario -- FILE [--json] [--fixes] [--no-locks] [--lockdep-folio]\n'

function jsonLockdep(reports: readonly LockdepReport[]): Record<string, unknown>[] {
  return reports.map((r) => ({ type: r.type, classes: r.classes, text: r.text, ...(r.beyondLockdep ? { beyondLockdep: true } : {}) }))
}

/** The report text under a step, indented like the step's other lines. */
function humanLockdep(reports: readonly LockdepReport[]): string[] {
  const lines: string[] = []
  for (const r of reports) {
    lines.push(`    lockdep: ${r.type}${r.beyondLockdep ? ' (beyond lockdep: involves the folio lock, which the kernel does not track)' : ''}`)
    for (const l of r.text.replace(/\n$/, '').split('\n')) lines.push(`    | ${l}`)
  }
  return lines
}

function jsonRecord(rec: StepRecord, lockdep?: RunAnalysis): Record<string, unknown> {
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
    lockdep: jsonLockdep(lockdep?.steps[rec.index - 1]?.reports ?? []),
  }
}

export function runCli(argv: readonly string[], read: (path: string) => string): CliResult {
  const flags = new Set(argv.filter((a) => a.startsWith('--')))
  const files = argv.filter((a) => !a.startsWith('--') || a === '-')
  const unknown = [...flags].filter((f) => !['--json', '--fixes', '--no-locks', '--lockdep-folio'].includes(f))
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
  const lockdep = analyzeRun(run.records, { trackFolioLock: flags.has('--lockdep-folio') })
  const schedule = scheduleOf(parsed.scenario)
  const replay = schedule ? replaySchedule(cpuStreams(run.records), schedule) : null
  const lines: string[] = []
  if (flags.has('--json')) {
    for (const rec of run.records) lines.push(JSON.stringify(jsonRecord(rec, lockdep)))
    const interleaving = replay ? { interleaving: { deadlock: replay.deadlock, completed: replay.completed, trace: replay.trace } } : {}
    lines.push(JSON.stringify({ summary: { steps: run.records.length, expectFailures: run.expectFailures, fixes: run.fixes, variant: parsed.scenario.variant, taint: run.final.taint, lockdepReports: lockdep.reports.length, ...(lockdep.weakCycles.length ? { lockdepNotStrong: lockdep.weakCycles } : {}), ...interleaving } }))
  } else {
    lines.push(`# ${parsed.scenario.title} [${parsed.scenario.variant}, ${run.fixes ? 'fixed' : 'as written'}]`)
    for (const rec of run.records) {
      lines.push(...formatRecord(rec, constants, { locks: !flags.has('--no-locks'), variant: parsed.scenario.variant }))
      lines.push(...humanLockdep(lockdep.steps[rec.index - 1]?.reports ?? []))
    }
    for (const c of lockdep.weakCycles) lines.push(`lockdep (not reported): ${c.classes.join(' -> ')} [${c.types.join(', ')}]: ${c.reason}`)
    if (replay) lines.push(`two CPUs, schedule of ${schedule!.length} lock events:`, ...formatReplay(replay))
    lines.push(`lockdep: ${lockdep.reports.length} report${lockdep.reports.length === 1 ? '' : 's'}${lockdep.state.debugLocks ? '' : ' (lockdep turned itself off after the first)'}`)
    lines.push(`${run.records.length} steps, ${run.expectFailures} expect failure${run.expectFailures === 1 ? '' : 's'}`)
  }
  return { code: run.expectFailures ? 1 : 0, stdout: lines.join('\n') + '\n', stderr: '' }
}
