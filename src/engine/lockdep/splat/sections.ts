/**
 * The section readers of one lockdep report: lock descriptor lines, the dependency chain, the
 * unsafe-scenario table, held locks, labelled traces and the final stack (see builder.ts).
 */
import { atFunction, parseFrame, parseLockDescriptor, type Frame } from './descriptors';
import { collapseTaint, lockRef, startStack, type Draft, type LockDraft } from './builder';

/** Keeps the first non-inline "at:" (syzbot repeats a lock line once per inlined caller). */
export function mergeAt(draft: LockDraft, atText: string | null): void {
  const at = atFunction(atText);
  if (!at) return;
  if (draft.ref.at === null || (draft.atInline && !at.inline)) {
    draft.ref.at = at.fn;
    draft.atInline = at.inline;
  }
}

export function handleLockLine(d: Draft, t: string): boolean {
  const desc = parseLockDescriptor(t);
  if (!desc || d.slot === null) return false;
  switch (d.slot) {
    case 'acquiring':
    case 'holding': {
      const current = d[d.slot];
      if (current === null) {
        const draft = { ref: lockRef(d, desc.class, desc.usage, desc.waitType), atInline: false };
        mergeAt(draft, desc.atText);
        d[d.slot] = draft;
      } else if (current.ref.class === desc.class) {
        mergeAt(current, desc.atText);
      }
      return true;
    }
    default:
      d[d.slot] ??= desc.class;
      return true;
  }
}

export function handleReleaseAt(d: Draft, t: string): boolean {
  const frame = parseFrame(t);
  if (!frame || !d.releasing) return false;
  if (d.releasing.ref.at === null || (d.releasing.atInline && !frame.inline)) {
    d.releasing.ref.at = frame.fn;
    d.releasing.atInline = frame.inline;
  }
  return true;
}

export function pushChainFrame(d: Draft, t: string): boolean {
  const entry = d.chain[d.chain.length - 1];
  const frame = parseFrame(t);
  if (!entry || !frame) return false;
  entry.frames.push(frame.fn);
  entry.modules.push(frame.module);
  return true;
}

export function handleChainExists(d: Draft, t: string): boolean {
  if (!t.includes('-->')) return false;
  d.chainExists = t.split(/\s*-->\s*/).map((s) => s.trim());
  d.mode = 'other';
  return true;
}

const SCENARIO_HEADER = /^CPU0(?:\s+CPU1)?$/;
const SCENARIO_DASHES = /^----(?:\s+----)?$/;
const SCENARIO_ROW = /^(?:(<Interrupt>)|([a-z_]+)\((.*)\);?)$/;

export function handleScenarioLine(d: Draft, line: string, t: string): boolean {
  if (SCENARIO_HEADER.test(t)) {
    const cpu1 = line.indexOf('CPU1');
    d.scenarioHeader = { cpu0: line.indexOf('CPU0'), cpu1: cpu1 < 0 ? null : cpu1 };
    return true;
  }
  if (SCENARIO_DASHES.test(t)) return true;
  const m = SCENARIO_ROW.exec(t);
  if (!m) return false;
  const indent = line.length - line.trimStart().length;
  if (m[1] !== undefined) d.rows.push({ indent, op: '<Interrupt>', class: '' });
  else d.rows.push({ indent, op: m[2] ?? '', class: m[3] ?? '' });
  return true;
}

const HELD_LOCK = /^#(\d+):\s*(.*)$/;

export function handleHeldLock(d: Draft, t: string): boolean {
  const m = HELD_LOCK.exec(t);
  const desc = m ? parseLockDescriptor(m[2] ?? '') : null;
  if (!m || !desc) return false;
  const index = Number(m[1]);
  const at = atFunction(desc.atText);
  const existing = d.heldLocks.find((h) => h.index === index);
  if (!existing) {
    d.heldLocks.push({ index, class: desc.class, usage: desc.usage, waitType: desc.waitType, at: at?.fn ?? null });
    if (at?.inline) d.heldAtInline.add(index);
  } else if (at && (existing.at === null || (d.heldAtInline.has(index) && !at.inline))) {
    existing.at = at.fn;
    if (!at.inline) d.heldAtInline.delete(index);
  }
  return true;
}

export function pushTraceFrame(d: Draft, t: string): boolean {
  const trace = d.traces[d.traces.length - 1];
  const frame = parseFrame(t);
  if (!trace || !frame) return false;
  trace.frames.push(frame.fn);
  return true;
}

/** lockdep_rcu_suspicious(): "net/ipv4/ip_tunnel.c:221 RCU-list traversed in non-reader section!!". */
export function handleRcuMessage(d: Draft, t: string): boolean {
  if (d.type !== 'suspicious-rcu' || d.message !== null || !/^\S+:\d+\s+\S/.test(t)) return false;
  d.message = t;
  return true;
}

/** After this many consecutive non-frame lines the backtrace is over (prose, other messages). */
const MAX_NON_FRAME_RUN = 5;

/** Lines that end the backtrace: another report or warning starts. */
const STACK_END =
  /^(?:-+\[ cut here \]-+|-+\[ end trace\b.*|={5,}|(?:WARNING|BUG|INFO|Oops|Kernel panic)\b.*|Modules linked in:.*)$/;

/** Lines inside a backtrace that are neither frames nor the end: markers and register dumps. */
const STACK_NEUTRAL =
  /^(?:<\/?(?:TASK|IRQ|NMI|SOFTIRQ|EOI)>|Call [Tt]race:|Backtrace:|Hardware name:.*|Process .*|Exception stack.*|Tainted: .*|Code: .*|[A-Z][A-Z0-9_]{1,8}:\s.*|(?:pc|lr|sp|x\d+|pstate)\s*:.*|[0-9a-f]{4}:\s.*|(?:[0-9a-f]{8,16}\s*)+\.?)$/;

const CPU_LINE = /^CPU: (\d+)(?: UID: \d+)?(?: PID: (\d+) Comm: (.+?))?\s+(?:Not tainted|Tainted:)/;
const OLD_PID_LINE = /^Pid: (\d+), comm: (\S+)/;
const S390_PROCESS_LINE = /^Process (\S+) \(pid: (\d+)/;
const TAINT_AND_VERSION = /(Not tainted|Tainted: [A-Z ]*?)\s+(\S+) (#\S+)/;

/** "CPU: 0 PID: 5187 Comm: syz-executor181 Not tainted 6.4.0-rc5 #0" and older variants. */
export function handleBacktraceHeader(d: Draft, t: string): boolean {
  const cpu = CPU_LINE.exec(t);
  const old = cpu ? null : OLD_PID_LINE.exec(t);
  const s390 = cpu || old ? null : S390_PROCESS_LINE.exec(t);
  if (cpu) {
    d.cpu = Number(cpu[1]);
    if (cpu[2] !== undefined) d.backtraceTask = { comm: cpu[3] ?? '', pid: Number(cpu[2]) };
  } else if (old) {
    d.backtraceTask = { comm: old[2] ?? '', pid: Number(old[1]) };
  } else if (s390) {
    d.backtraceTask = { comm: s390[1] ?? '', pid: Number(s390[2]) };
    return true;
  } else {
    return false;
  }
  const ident = TAINT_AND_VERSION.exec(t);
  if (ident) d.backtraceKernel = { version: ident[2], build: ident[3], tainted: collapseTaint(ident[1] ?? '') };
  return true;
}

export function pushStackFrame(d: Draft, frame: Frame): void {
  // "? sym" entries are stale return addresses the unwinder found on the stack, not callers.
  if (frame.unreliable) return;
  d.stack.push(frame.fn);
  d.stackModules.push(frame.module);
}

/**
 * "Nested lock was not taken" prints a backtrace, then the held locks, then
 * the same backtrace again: leave the stack for the held locks, and let the
 * last backtrace win.
 */
export function handleSectionAfterStack(d: Draft, t: string, index: number): boolean {
  if (t === 'other info that might help us debug this:') {
    d.mode = 'other';
    d.lastUseful = index;
    return true;
  }
  if (t === 'stack backtrace:') {
    startStack(d);
    d.lastUseful = index;
    return true;
  }
  return false;
}

export function handleStackLine(d: Draft, t: string, index: number): void {
  if (handleSectionAfterStack(d, t, index)) return;
  if (STACK_END.test(t)) {
    d.mode = 'done';
    return;
  }
  if (t === '</TASK>') {
    d.lastUseful = index;
    d.mode = 'done';
    return;
  }
  if (handleBacktraceHeader(d, t)) {
    d.lastUseful = index;
    return;
  }
  const frame = parseFrame(t);
  if (frame) {
    pushStackFrame(d, frame);
    d.nonFrameRun = 0;
    d.lastUseful = index;
    return;
  }
  if (STACK_NEUTRAL.test(t)) return;
  if (d.stack.length > 0 && ++d.nonFrameRun > MAX_NON_FRAME_RUN) d.mode = 'done';
}
