/**
 * Every scenario file (test/scenarios/** and scenarios/) runs through the headless runner's code
 * path (runCli) with all its expects holding; plus the runner's --json shape and exit codes.
 */
import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { runCli } from '../../scripts/scenario_cli'

const REPO = join(__dirname, '../..')
const read = (p: string): string => readFileSync(p, 'utf8')

function jsonFiles(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? jsonFiles(p) : n.endsWith('.json') ? [p] : []
  })
}

const FILES = [...jsonFiles(join(REPO, 'test/scenarios')), ...jsonFiles(join(REPO, 'scenarios'))].sort()

describe('scenario files', () => {
  it('there are at least 10 kvm-v11 scenarios besides the tour', () => {
    expect(FILES.filter((f) => f.includes('test/scenarios/kvm-v11/')).length).toBeGreaterThanOrEqual(10)
  })

  it.each(FILES.map((f) => [relative(REPO, f), f]))('%s: every expect holds (exit 0)', (_rel, file) => {
    const out = runCli([file], read)
    expect(out.stderr).toBe('')
    expect(out.stdout).not.toMatch(/EXPECT FAILED/)
    expect(out.code).toBe(0)
  })

  it.each(FILES.filter((f) => f.includes('test/scenarios/')).map((f) => [relative(REPO, f), f]))('%s: every step has an expect and a note citing the seed', (_rel, file) => {
    const sc = JSON.parse(read(file)) as { steps: { expect?: unknown; note?: string }[]; fixes?: boolean }
    expect(typeof sc.fixes).toBe('boolean')
    for (const s of sc.steps) {
      expect(s.expect).toBeDefined()
      expect(typeof s.note).toBe('string')
    }
    expect(sc.steps.some((s) => /seed|l\.\d+|B-K\d+/.test(s.note ?? ''))).toBe(true)
  })

  it('bug scenarios come in pairs: …-as-written.json (fixes false) and …-fixed.json (fixes true)', () => {
    const written = FILES.filter((f) => f.endsWith('-as-written.json'))
    expect(written.length).toBeGreaterThan(0)
    for (const w of written) {
      const f = w.replace(/-as-written\.json$/, '-fixed.json')
      expect(FILES).toContain(f)
      expect((JSON.parse(read(w)) as { fixes: boolean }).fixes).toBe(false)
      expect((JSON.parse(read(f)) as { fixes: boolean }).fixes).toBe(true)
    }
  })
})

describe('runner: --json output and exit codes', () => {
  const tour = join(REPO, 'scenarios/kvm-v11-tour.json')

  it('--json: one line per step with step, op, ret, errno, signal, expectOk; then a summary line', () => {
    const out = runCli([tour, '--json'], read)
    expect(out.code).toBe(0)
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const nSteps = (JSON.parse(read(tour)) as { steps: unknown[] }).steps.length
    expect(lines).toHaveLength(nSteps + 1)
    lines.slice(0, -1).forEach((l, i) => {
      expect(l.step).toBe(i + 1)
      expect(typeof l.op).toBe('string')
      expect(['number', 'string']).toContain(typeof l.ret)
      expect(l).toHaveProperty('errno')
      expect(l.errno === null || typeof l.errno === 'string').toBe(true)
      expect(l).toHaveProperty('signal')
      expect(l.expectOk).toBe(true)
    })
    const summary = lines[lines.length - 1]!.summary as Record<string, unknown>
    expect(summary).toMatchObject({ steps: nSteps, expectFailures: 0 })
  })

  it('--json of a bug scenario shows the errno of each step', () => {
    const file = join(REPO, 'test/scenarios/kvm-v11/size-zero-fixed.json')
    const lines = runCli([file, '--json'], read).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[1]).toMatchObject({ step: 2, op: 'KVM_CREATE_GUEST_MEMFD', ret: -1, errno: 'EINVAL', signal: null, expectOk: true })
  })

  it('exit 1 when an expect fails, with the mismatch reported', () => {
    const text = JSON.stringify({
      format: 'gmemscope/scenario@1',
      title: 'wrong expect',
      variant: 'kvm-v11',
      steps: [
        { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm', expect: { errno: null } },
        { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm', size: 4097, as: 'g', expect: { errno: null } },
      ],
    })
    const out = runCli(['mem.json'], () => text)
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/EXPECT FAILED/)
    expect(out.stdout).toMatch(/errno: expected success \(null\), got EINVAL/)
    const json = runCli(['mem.json', '--json'], () => text)
    expect(json.code).toBe(1)
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[1]!.expectOk).toBe(false)
    expect((lines[2]!.summary as Record<string, unknown>).expectFailures).toBe(1)
  })

  it('--fixes overrides the file: a B-K11 as-written file fails its expect when run fixed', () => {
    const file = join(REPO, 'test/scenarios/kvm-v11/size-zero-as-written.json')
    expect(runCli([file], read).code).toBe(0)
    expect(runCli([file, '--fixes'], read).code).toBe(1)
  })

  it.each([
    ['a wrong field type', { op: 'KVM_CREATE_GUEST_MEMFD', vm: 3, size: 'big', as: 'g' }, /steps\[0\]\.size: expected /],
    ['a negative u64', { op: 'KVM_CREATE_GUEST_MEMFD', vm: 3, size: -1, as: 'g' }, /steps\[0\]\.size: expected /],
    ['a missing field', { op: 'KVM_CREATE_GUEST_MEMFD', vm: 3, as: 'g' }, /steps\[0\]\.size: missing/],
    ['an unknown op', { op: 'KVM_NOPE' }, /steps\[0\]\.op: unknown op/],
    ['an unknown name', { op: 'close', fd: 'nobody' }, /steps\[0\]\.fd: unknown name/],
    ['an unknown flag', { op: 'KVM_CREATE_VM', type: ['NOPE'] }, /steps\[0\]\.type\[0\]: unknown constant/],
    ['a bad expect errno', { op: 'KVM_CREATE_VM', type: 0, expect: { errno: 'EWHAT' } }, /steps\[0\]\.expect\.errno: expected /],
  ])('exit 2 for an invalid file: %s, naming the step and field', (_w, stepObj, msg) => {
    const text = JSON.stringify({ format: 'gmemscope/scenario@1', title: 'bad', variant: 'kvm-v11', steps: [stepObj] })
    const out = runCli(['bad.json'], () => text)
    expect(out.code).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toMatch(msg)
    expect(out.stderr).toMatch(/^bad\.json: /)
  })

  it('exit 2 for text that is not JSON, a wrong format, and an unreadable file', () => {
    expect(runCli(['x.json'], () => '{').code).toBe(2)
    expect(runCli(['x.json'], () => JSON.stringify({ format: 'v0', title: 't', variant: 'kvm-v11', steps: [] })).stderr).toMatch(/format: expected/)
    const unreadable = runCli(['/no/such/file.json'], read)
    expect(unreadable.code).toBe(2)
    expect(unreadable.stderr).toMatch(/cannot read/)
  })

  it('exit 2 for bad usage', () => {
    expect(runCli([], read).code).toBe(2)
    expect(runCli([tour, '--bogus'], read).code).toBe(2)
  })
})
