/**
 * Human-readable lines for steps: strace style (`#4 fallocate(g0, FALLOC_FL_KEEP_SIZE|
 * FALLOC_FL_PUNCH_HOLE, 0x1000, 0x1000) = 0`), then what the kernel printed and locked.
 */
import { ERRNO_TEXT } from '../errno_text'
import type { LockEvent } from '../result'
import { flagNames, type ConstantTable } from '../uapi'
import { big, hex, isInt } from '../u64'
import { fieldsFor, type FieldSpec } from './ops'
import type { StepRecord } from './run'

function formatArg(spec: FieldSpec, raw: unknown, constants: ConstantTable): string {
  if (raw === undefined) raw = spec.default
  switch (spec.kind) {
    case 'fd':
    case 'map':
      return typeof raw === 'string' && !isInt(raw) ? raw : String(raw)
    case 'flags': {
      const group = constants[spec.group ?? ''] ?? {}
      if (Array.isArray(raw)) return raw.length ? raw.join('|') : flagNames(0, group)
      return flagNames(big(raw as string | number), group)
    }
    case 'bool':
      return raw ? spec.name : `!${spec.name}`
    case 'enum':
      return String(raw)
    default:
      return spec.hex ? hex(raw as string | number) : big(raw as string | number).toString()
  }
}

/** The call as strace would print it, with names for objects. */
export function formatCall(rec: StepRecord, constants: ConstantTable, variant?: string): string {
  const args = fieldsFor(rec.step.op, variant).map((f) => formatArg(f, rec.step[f.name], constants))
  return `${rec.step.op}(${args.join(', ')})`
}

/** ` = 0`, ` = -1 EINVAL (Invalid argument)`, ` = 0x7f0000000000`, plus exit and signal. */
export function formatReturn(rec: StepRecord): string {
  const r = rec.result
  let s: string
  if (r.errno) s = `= -1 ${r.errno} (${ERRNO_TEXT[r.errno] ?? r.errno})`
  else if (rec.step.op === 'mmap') s = `= ${hex(r.ret)}`
  else s = `= ${String(r.ret)}`
  if (r.exit) s += ` [${r.exit}]`
  if (r.signal) s += ` --- ${r.signal} ---`
  return s
}

function formatLock(e: LockEvent): string {
  const verb =
    e.kind === 'sync' ? 'sync  ' : e.kind === 'release' ? 'unlock' : e.mode === 'write' ? 'lock  ' : e.mode === 'read' ? 'rlock ' : 'rrlock'
  const times = e.count && e.count > 1 ? ` ×${e.count}` : ''
  return `${verb} ${e.cls} [${e.instance}]${times}  ${e.stack.join(' < ')}`
}

/** All lines of one step. */
export function formatRecord(rec: StepRecord, constants: ConstantTable, opts: { locks?: boolean; variant?: string } = {}): string[] {
  const lines = [`#${rec.index} ${formatCall(rec, constants, opts.variant)} ${formatReturn(rec)}${rec.expectOk ? '' : '   ✗ EXPECT FAILED'}`]
  for (const m of rec.mismatches) lines.push(`    ✗ ${m}`)
  for (const l of rec.result.log) lines.push(`    ${l.text}`)
  if (rec.result.rule) lines.push(`    rule: ${rec.result.rule.fn}: ${rec.result.rule.why} [${rec.result.rule.seed}]`)
  if (rec.result.bugs.length) lines.push(`    seed bugs on this path: ${rec.result.bugs.join(', ')}`)
  if (rec.result.out) lines.push(`    out: ${Object.entries(rec.result.out).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`)
  if (opts.locks !== false) for (const e of rec.result.locks) lines.push(`    ${formatLock(e)}`)
  return lines
}
