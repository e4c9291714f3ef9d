import type { SplatType } from './types';

/**
 * Report titles, current and pre-4.15 forms:
 *   "WARNING: possible circular locking dependency detected"
 *   "[ INFO: possible circular locking dependency detected ]"
 *   "[ BUG: Invalid wait context ]", "[ BUG: bad unlock balance detected! ]",
 *   "[ INFO: suspicious RCU usage. ]"
 * A title must be the whole line, so subjects such as
 * "WARNING: suspicious RCU usage in __dev_queue_xmit" or prose quoting a
 * title do not start a report.
 */
const TITLE_KINDS: readonly (readonly [RegExp, SplatType])[] = [
  [/^possible circular locking dependency detected$/, 'circular'],
  [/^possible recursive locking detected$/, 'recursive'],
  [/^inconsistent lock state$/, 'inconsistent'],
  [/^possible irq lock inversion dependency detected$/, 'irq-inversion'],
  [/^(?:HARDIRQ|SOFTIRQ)(?:-READ)?-safe -> (?:HARDIRQ|SOFTIRQ)(?:-READ)?-unsafe lock order detected$/, 'safe-to-unsafe'],
  [/^Invalid wait context$/, 'invalid-wait-context'],
  [/^suspicious RCU usage$/, 'suspicious-rcu'],
  [/^bad unlock balance detected$/, 'bad-unlock-balance'],
  [/^held lock freed$/, 'held-lock-freed'],
  [/^Nested lock was not taken$/, 'nested-lock-not-taken'],
  [/^lock held when returning to user space$/, 'lock-held-return-to-user'],
];

const TITLE_SHAPE = /^(?:\[\s*)?(?:(?:WARNING|INFO|BUG):\s*)?(.+?)\s*[!.]?\s*\]?$/;

export interface Title {
  type: SplatType;
  /** The line as printed, trimmed. */
  title: string;
}

/** The longest title is under 70 characters; longer lines are never titles. */
const MAX_TITLE_LENGTH = 100;

export function matchTitle(line: string): Title | null {
  const title = line.trim();
  if (title.length > MAX_TITLE_LENGTH) return null;
  const body = TITLE_SHAPE.exec(title)?.[1];
  if (body === undefined) return null;
  for (const [re, type] of TITLE_KINDS) if (re.test(body)) return { type, title };
  return null;
}

/** "HARDIRQ" from "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected". */
export function irqContextOfTitle(title: string): string | null {
  return /\b((?:HARDIRQ|SOFTIRQ)(?:-READ)?)-safe ->/.exec(title)?.[1] ?? null;
}
