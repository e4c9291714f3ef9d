/**
 * Line-by-line reader for one lockdep report (see lockdep.md §6).
 *
 * Reports are sequences of sections introduced by fixed sentences ("but task
 * is already holding lock:", "Chain exists of:", "N locks held by ...",
 * "stack backtrace:"). The reader keeps a `mode` saying which section it is
 * in and feeds every other line to that section. It never depends on blank
 * lines, because journalctl drops them and mail quoting adds some.
 */
import { parseLockDescriptor, parseTaskLine } from './descriptors';
import type { ChainEntry, HeldLock, KernelIdent, LabelledTrace, LockRef, SplatType, TaskRef } from './types';
import { handleChainExists, handleHeldLock, handleLockLine, handleRcuMessage, handleReleaseAt, handleScenarioLine, handleStackLine, pushChainFrame, pushTraceFrame } from './sections';

export type Mode =
  | 'header'
  | 'lock'
  | 'releaseAt'
  | 'chain'
  | 'chainExists'
  | 'scenario'
  | 'held'
  | 'trace'
  | 'tree'
  | 'newDependency'
  | 'irqStamp'
  | 'nestName'
  | 'stack'
  | 'other'
  | 'done';

/** Where the next lock descriptor line goes. */
export type LockSlot = 'acquiring' | 'holding' | 'irqOther' | 'irqSafe' | 'irqUnsafe';

export interface LockDraft {
  ref: LockRef;
  /** Whether ref.at came from an "[inline]" location (a later non-inline line replaces it). */
  atInline: boolean;
}

export interface RawScenarioRow {
  indent: number;
  op: string;
  class: string;
}

export interface Draft {
  type: SplatType;
  title: string;
  identIndex: number;
  kernel: KernelIdent;
  backtraceKernel: KernelIdent;
  task: TaskRef | null;
  backtraceTask: TaskRef | null;
  cpu: number | null;
  irqContext: string | null;
  acquiring: LockDraft | null;
  holding: LockDraft | null;
  releasing: LockDraft | null;
  irqOther: string | null;
  irqSafe: string | null;
  irqUnsafe: string | null;
  /** Irq class named by the inversion/safe-unsafe sentences ("SOFTIRQ", "HARDIRQ-READ"). */
  irqClass: string | null;
  /** irq-inversion: true when the changed lock is the irq-safe one ("took another ... -unsafe lock"). */
  changedIsSafe: boolean | null;
  chain: ChainEntry[];
  chainExists: string[] | null;
  scenarioSeen: boolean;
  scenarioHeader: { cpu0: number; cpu1: number | null } | null;
  rows: RawScenarioRow[];
  heldCount: number | null;
  heldTask: TaskRef | null;
  heldLocks: HeldLock[];
  heldAtInline: Set<number>;
  traces: LabelledTrace[];
  stack: string[];
  stackModules: (string | null)[];
  usageChange: { from: string; to: string } | null;
  waitContext: string | null;
  message: string | null;
  nestLock: string | null;
  mode: Mode;
  slot: LockSlot | null;
  nonFrameRun: number;
  lastUseful: number;
}

export function newDraft(type: SplatType, title: string, titleIndex: number): Draft {
  return {
    type,
    title,
    identIndex: titleIndex + 1,
    kernel: {},
    backtraceKernel: {},
    task: null,
    backtraceTask: null,
    cpu: null,
    irqContext: null,
    acquiring: null,
    holding: null,
    releasing: null,
    irqOther: null,
    irqSafe: null,
    irqUnsafe: null,
    irqClass: null,
    changedIsSafe: null,
    chain: [],
    chainExists: null,
    scenarioSeen: false,
    scenarioHeader: null,
    rows: [],
    heldCount: null,
    heldTask: null,
    heldLocks: [],
    heldAtInline: new Set(),
    traces: [],
    stack: [],
    stackModules: [],
    usageChange: null,
    waitContext: null,
    message: null,
    nestLock: null,
    mode: 'header',
    slot: null,
    nonFrameRun: 0,
    lastUseful: titleIndex,
  };
}

/** True when the reader found more than a bare title (a truncated paste is not a report). */
export function hasContent(d: Draft): boolean {
  return (
    d.task !== null ||
    d.acquiring !== null ||
    d.holding !== null ||
    d.releasing !== null ||
    d.chain.length > 0 ||
    d.chainExists !== null ||
    d.rows.length > 0 ||
    d.heldCount !== null ||
    d.heldLocks.length > 0 ||
    d.usageChange !== null ||
    d.message !== null ||
    d.waitContext !== null
  );
}

const SEPARATOR = /^(?:={5,}|-{5,})$/;
/** "...", "[...]", "[ ... ]", "…": a poster's elision. */
const ELISION = /^(?:\.{3,}|\[\s*\.{3}\s*\]|…)$/;

export function handleLine(d: Draft, line: string, index: number): void {
  if (d.mode === 'done') return;
  const t = line.trim();
  if (d.mode === 'stack') {
    handleStackLine(d, t, index);
    return;
  }
  if (t === '' || ELISION.test(t) || SEPARATOR.test(t)) return;
  if (d.mode === 'tree') {
    // The irq dependency trees repeat lock headers and traces; only their end matters.
    if (t === 'stack backtrace:') {
      startStack(d);
      d.lastUseful = index;
    }
    return;
  }
  const consumed =
    (index === d.identIndex && handleIdent(d, t)) ||
    handleTaskLine(d, t) ||
    handleHeading(d, t) ||
    handleChainHeader(d, t) ||
    handleModeContent(d, line, t);
  if (consumed) d.lastUseful = index;
}

const IDENT = /^(\S+)\s+(#\S+)(?:\s+(Not tainted|Tainted:.*))?$/;

export function collapseTaint(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** print_kernel_ident(): "6.4.0-rc5-syzkaller #0 Not tainted". */
export function handleIdent(d: Draft, t: string): boolean {
  const m = IDENT.exec(t);
  if (!m) return false;
  d.kernel = { version: m[1], build: m[2] };
  if (m[3] !== undefined) d.kernel.tainted = collapseTaint(m[3]);
  return true;
}

export function handleTaskLine(d: Draft, t: string): boolean {
  const line = parseTaskLine(t);
  if (!line) return false;
  d.task = { comm: line.comm, pid: line.pid };
  if (line.irqContext !== null) d.irqContext = line.irqContext;
  d.mode = 'lock';
  switch (line.kind) {
    case 'acquire':
      d.slot = 'acquiring';
      break;
    case 'freed':
      // The lock printed next lives in the freed memory and is still held.
      d.slot = 'holding';
      break;
    case 'release':
      d.releasing = { ref: lockRef(d, line.lockName ?? '', null, null), atInline: false };
      d.mode = 'releaseAt';
      break;
    case 'leaving':
      d.mode = 'other';
      break;
  }
  return true;
}

export function lockRef(d: Draft, cls: string, usage: string | null, waitType: string | null): LockRef {
  return { class: cls, usage, waitType, task: d.task?.comm ?? null, pid: d.task?.pid ?? null, at: null };
}

export type HeadingAction = (d: Draft, m: RegExpExecArray) => void;

const setMode =
  (mode: Mode, slot: LockSlot | null = null): HeadingAction =>
  (d) => {
    d.mode = mode;
    d.slot = slot;
  };

/** Fixed sentences that start a section, with what each one changes. */
const HEADINGS: readonly (readonly [RegExp, HeadingAction])[] = [
  [/^but task is already holding lock:$/, setMode('lock', 'holding')],
  [/^and this task is already holding:$/, setMode('lock', 'holding')],
  [/^which lock already depends on the new lock\.$/, setMode('other')],
  [/^the existing dependency chain \(in reverse order\) is:$/, setMode('chain')],
  [/^other info that might help us debug this:$/, setMode('other')],
  [/^Chain exists of:$/, setMode('chainExists')],
  [/^Possible (?:interrupt )?unsafe locking scenario(?: by crosslock)?:$/, startScenario],
  [/^\*\*\* DEADLOCK \*\*\*$/, setMode('other')],
  [/^May be due to missing lock nesting notation$/, setMode('other')],
  [/^(\d+) locks? held by (.+)\/(\d+):$/, startHeldLocks],
  [/^no locks held by (.+)\/(\d+)\.$/, startNoHeldLocks],
  [/^stack backtrace:$/, startStack],
  [/^the (?:shortest )?dependencies between\b/, setMode('tree')],
  [/^which would create a new lock dependency:$/, setMode('newDependency')],
  [/^but this new dependency connects an? (\S+)-irq-safe lock:$/, irqSentence('irqSafe', null)],
  [/^to an? (\S+)-irq-unsafe lock:$/, irqSentence('irqUnsafe', null)],
  [/^\.{2,3} which became (\S+-irq-(?:safe|unsafe)) at:$/, (d, m) => startTrace(d, `which became ${m[1] ?? ''} at`)],
  [/^but this lock took another, (\S+)-unsafe lock in the past:$/, irqSentence('irqOther', true)],
  [/^but this lock was taken by another, (\S+)-safe lock in the past:$/, irqSentence('irqOther', false)],
  [/^and interrupts could create inverse lock ordering between them\.$/, setMode('other')],
  [/^inconsistent \{(.+)\} -> \{(.+)\} usage\.$/, setUsageChange],
  [/^\{(.+)\} state was registered at:$/, (d, m) => startTrace(d, `{${m[1] ?? ''}} state was registered at`)],
  [/^irq event stamp: \d+$/, setMode('irqStamp')],
  [/^context-\{(\d+:\d+)\}$/, setWaitContext],
  [/^rcu_scheduler_active = \d+, debug_locks = \d+$/, setMode('other')],
  [/^RCU used illegally from .*$/, setMode('other')],
  [/^but this task is not holding:$/, setMode('nestName')],
  [/^but there are no more locks to release!$/, setMode('other')],
];

export function handleHeading(d: Draft, t: string): boolean {
  for (const [re, action] of HEADINGS) {
    const m = re.exec(t);
    if (m) {
      action(d, m);
      return true;
    }
  }
  return false;
}

/** A report can print "stack backtrace:" twice (nested-lock-not-taken); the last one is kept. */
export function startStack(d: Draft): void {
  d.mode = 'stack';
  d.stack = [];
  d.stackModules = [];
  d.nonFrameRun = 0;
}

export function startScenario(d: Draft): void {
  d.mode = 'scenario';
  d.scenarioSeen = true;
}

export function startHeldLocks(d: Draft, m: RegExpExecArray): void {
  d.mode = 'held';
  d.heldCount = Number(m[1]);
  d.heldTask = { comm: m[2] ?? '', pid: Number(m[3]) };
}

export function startNoHeldLocks(d: Draft, m: RegExpExecArray): void {
  d.mode = 'other';
  d.heldCount = 0;
  d.heldTask = { comm: m[1] ?? '', pid: Number(m[2]) };
}

export function irqSentence(slot: LockSlot, changedIsSafe: boolean | null): HeadingAction {
  return (d, m) => {
    d.mode = 'lock';
    d.slot = slot;
    d.irqClass ??= m[1] ?? null;
    if (changedIsSafe !== null) d.changedIsSafe = changedIsSafe;
  };
}

export function setWaitContext(d: Draft, m: RegExpExecArray): void {
  d.waitContext = `{${m[1] ?? ''}}`;
}

export function setUsageChange(d: Draft, m: RegExpExecArray): void {
  d.usageChange = { from: m[1] ?? '', to: m[2] ?? '' };
  d.mode = 'other';
}

export function startTrace(d: Draft, label: string): void {
  d.traces.push({ label, frames: [] });
  d.mode = 'trace';
}

const CHAIN_HEADER = /^->\s*#(\d+)\s+(.+)$/;

/** "-> #1 (mapping.invalidate_lock#3){.+.+}-{3:3}:" */
export function handleChainHeader(d: Draft, t: string): boolean {
  const m = CHAIN_HEADER.exec(t);
  const desc = m ? parseLockDescriptor(m[2] ?? '') : null;
  if (!m || !desc) return false;
  d.chain.push({
    index: Number(m[1]),
    class: desc.class,
    usage: desc.usage,
    waitType: desc.waitType,
    frames: [],
    modules: [],
  });
  d.mode = 'chain';
  return true;
}

export function handleModeContent(d: Draft, line: string, t: string): boolean {
  switch (d.mode) {
    case 'lock':
      return handleLockLine(d, t);
    case 'releaseAt':
      return handleReleaseAt(d, t);
    case 'chain':
      return pushChainFrame(d, t);
    case 'chainExists':
      return handleChainExists(d, t);
    case 'scenario':
      return handleScenarioLine(d, line, t);
    case 'held':
      return handleHeldLock(d, t);
    case 'trace':
      return pushTraceFrame(d, t);
    case 'nestName':
      // A class name has no spaces; syzbot reports sometimes crash right here ("general protection fault, ...").
      d.mode = 'other';
      if (/\s/.test(t)) return false;
      d.nestLock = t;
      return true;
    case 'header':
      return handleRcuMessage(d, t);
    default:
      return false;
  }
}
