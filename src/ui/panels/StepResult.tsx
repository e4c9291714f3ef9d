import { formatReturn, type StepRecord } from '../../engine/scenario'

/** The strace-style return (`= -1 EINVAL (Invalid argument)`) with the errno highlighted. */
export function StepResult({ record }: { record: StepRecord }) {
  const text = formatReturn(record)
  const errno = record.result.errno
  const at = errno ? text.indexOf(errno) : -1
  if (!errno || at < 0) return <span className="ret">{text}</span>
  return (
    <span className="ret failed">
      {text.slice(0, at)}
      <strong className="errno">{errno}</strong>
      {text.slice(at + errno.length)}
    </span>
  )
}

/** ✓ / ✗ for the step's expect (nothing when it has none). */
export function ExpectMark({ record }: { record: StepRecord }) {
  if (!record.step.expect) return null
  const text = record.expectOk ? 'expect met' : `expect failed: ${record.mismatches.join('; ')}`
  return (
    <span className={record.expectOk ? 'expect ok' : 'expect bad'} role="img" aria-label={text} title={text}>
      {record.expectOk ? '✓' : '✗'}
    </span>
  )
}
