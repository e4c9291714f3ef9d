/**
 * Recognisers for the single-line building blocks of a lockdep report:
 * stack frames, lock descriptors (print_lock output) and task lines.
 * All functions take one normalised line and return null when it is not
 * of their kind.
 */

export interface Frame {
  /** Symbol without "+0x../0x.." (suffixes such as ".part.0" or ".cold" are part of the symbol). */
  fn: string;
  module: string | null;
  /** syzbot's "file:line [inline]" frames: a caller inlined into the next frame. */
  inline: boolean;
  /** "? sym" frames: the unwinder's guesses. */
  unreliable: boolean;
}

const SYMBOL = /^([A-Za-z_.$][\w.$]*)(\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+)?(.*)$/;
const ADDRESS = /^\[<[0-9a-fA-F]+>\]\s*/;
/** syzbot: "sym path/file.c:123 [inline]" (no offset). */
const INLINE_TAIL = /^\s+(?:\.\/)?[\w./-]+\.[A-Za-z]{1,3}:\d+/;
/** decode_stacktrace.sh: "sym (path/file.c:123)" (no offset). */
const DECODED_TAIL = /^\s+\((?:\.\/)?[\w./-]+\.[A-Za-z]{1,3}:\d+/;
const MODULE_BRACKET = /\[([\w-]+)\]\s*$/;
const MODULE_AFTER_DECODED = /\)\s+([\w-]+)\s*$/;

function moduleOf(tail: string): string | null {
  const bracket = MODULE_BRACKET.exec(tail);
  if (bracket?.[1] !== undefined && bracket[1] !== 'inline') return bracket[1];
  if (DECODED_TAIL.test(tail)) return MODULE_AFTER_DECODED.exec(tail)?.[1] ?? null;
  return null;
}

/** "(sym+0x10/0x14)" of the 32-bit ARM unwinder: "[<a>] (caller) from [<b>] (callee+0x10/0x14)". */
function parseArmFrame(rest: string): string | null {
  const m = /^\(([A-Za-z_.$][\w.$]*)(?:\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+)?\)(?:\s+from\s|$)/.exec(rest);
  return m?.[1] ?? null;
}

/**
 * Parses one stack-trace line in any of the layouts seen in reports:
 * " dump_stack_lvl+0xd9/0x150 lib/dump_stack.c:106", " __dump_stack lib/dump_stack.c:88 [inline]",
 * " [<c0103522>] show_trace+0x12/0x20", "([<0000000000100a06>] show_trace+0xee/0x144)" (s390),
 * "[<c0112110>] (unwind_backtrace) from [<c010bfa0>] (show_stack+0x10/0x14)" (ARM),
 * " ? add_chain_cache+0x10b/0x2d0", " kvm_xen_set_evtchn.part.0+0x6d/0x170 [kvm]",
 * "sctp_bind (net/sctp/socket.c:315) sctp" (decoded).
 * Register dumps ("RIP: ..."), markers ("<TASK>") and prose return null.
 */
export function parseFrame(line: string): Frame | null {
  let rest = line.trim();
  let unreliable = false;
  if (rest.startsWith('(') && rest.endsWith(')') && ADDRESS.test(rest.slice(1))) rest = rest.slice(1, -1).trim();
  const addr = ADDRESS.exec(rest);
  if (addr) {
    rest = rest.slice(addr[0].length);
    const arm = parseArmFrame(rest);
    if (arm !== null) return { fn: arm, module: null, inline: false, unreliable: false };
  }
  if (rest.startsWith('? ')) {
    unreliable = true;
    rest = rest.slice(2).trim();
  }
  const m = SYMBOL.exec(rest);
  if (!m) return null;
  const [, fn = '', offset, tail = ''] = m;
  // Without an offset, only a source location after the symbol makes it a frame rather than prose.
  if (offset === undefined && !INLINE_TAIL.test(tail) && !DECODED_TAIL.test(tail)) return null;
  return { fn, module: moduleOf(tail), inline: /\[inline\]/.test(tail), unreliable };
}

export interface LockDescriptor {
  class: string;
  usage: string;
  waitType: string | null;
  /** Text after ", at: ", when printed. */
  atText: string | null;
}

const USAGE = /\)\{([-.+?]{2,8})\}/g;
const DESCRIPTOR_PREFIX = /^\s*(?:[0-9a-fA-F]{6,16}|\(____ptrval____\))?\s*$/;

/** Index of the "(" matching the ")" at `close`, or -1. */
function matchingOpenParen(text: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Parses print_lock() output: "[addr ](name){usage}[-{o:i}][, at: sym]".
 * The class name may itself contain parentheses ("(&q->q_usage_counter(io)#12)",
 * "((memory_chain).rwsem)"), so it is delimited by matching the ")" that
 * precedes the usage braces back to its "(".
 */
export function parseLockDescriptor(text: string): LockDescriptor | null {
  USAGE.lastIndex = 0;
  for (let m = USAGE.exec(text); m; m = USAGE.exec(text)) {
    const open = matchingOpenParen(text, m.index);
    if (open < 0 || !DESCRIPTOR_PREFIX.test(text.slice(0, open))) continue;
    const after = text.slice(m.index + m[0].length);
    const wait = /^-\{(\d+:\d+)\}/.exec(after);
    const tail = wait ? after.slice(wait[0].length) : after;
    const at = /^,\s*at:\s*(.*)$/.exec(tail);
    return {
      class: text.slice(open + 1, m.index),
      usage: m[1] ?? '',
      waitType: wait ? `{${wait[1] ?? ''}}` : null,
      atText: at?.[1]?.trim() || null,
    };
  }
  return null;
}

/** Function named by an ", at:" text, and whether it is an inlined location. */
export function atFunction(atText: string | null): { fn: string; inline: boolean } | null {
  if (atText === null) return null;
  const frame = parseFrame(atText);
  if (frame) return { fn: frame.fn, inline: frame.inline };
  const word = /^(?:\[<[0-9a-fA-F]+>\]\s*)?(\S+)/.exec(atText);
  return word?.[1] ? { fn: word[1].replace(/\+0x.*$/, ''), inline: false } : null;
}

export type TaskLineKind = 'acquire' | 'release' | 'freed' | 'leaving';

export interface TaskLine {
  kind: TaskLineKind;
  comm: string;
  pid: number;
  irqContext: string | null;
  /** 'release': the lock name in "is trying to release lock (NAME) at:". */
  lockName: string | null;
}

const IRQ_CONTEXT = String.raw`HC\d+\[\d+\]:SC\d+\[\d+\]:HE\d+:SE\d+`;
const ACQUIRE_LINE = new RegExp(
  String.raw`^(.+)\/(\d+)(?: \[(${IRQ_CONTEXT})\])? (?:is trying to acquire(?: lock)?|is trying to lock|takes|just changed the state of lock):$`,
);
const RELEASE_LINE = /^(.+)\/(\d+) is trying to release lock \((.+)\) at:$/;
const FREED_LINE = /^(.+)\/(\d+) is freeing memory \S+, with a lock still held there!$/;
const LEAVING_LINE = /^(.+)\/(\d+) is leaving the kernel with locks still held!$/;

/** The "comm/pid ..." line that opens a report body (comm may contain "/" and spaces). */
export function parseTaskLine(line: string): TaskLine | null {
  const t = line.trim();
  const acquire = ACQUIRE_LINE.exec(t);
  if (acquire) return task('acquire', acquire[1], acquire[2], acquire[3] ?? null, null);
  const release = RELEASE_LINE.exec(t);
  if (release) return task('release', release[1], release[2], null, release[3] ?? null);
  const freed = FREED_LINE.exec(t);
  if (freed) return task('freed', freed[1], freed[2], null, null);
  const leaving = LEAVING_LINE.exec(t);
  if (leaving) return task('leaving', leaving[1], leaving[2], null, null);
  return null;
}

function task(
  kind: TaskLineKind,
  comm: string | undefined,
  pid: string | undefined,
  irqContext: string | null,
  lockName: string | null,
): TaskLine {
  return { kind, comm: comm ?? '', pid: Number(pid), irqContext, lockName };
}
