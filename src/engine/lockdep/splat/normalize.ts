/**
 * Turns pasted text (dmesg, syslog, journalctl, mail) into the lines the
 * kernel printed, so the parser only has to know lockdep's own layout.
 *
 * Steps, in order:
 * 1. decode quoted-printable mail bodies (only when "=3D" shows up: lockdep
 *    output never contains that, while its "=====" lines would confuse a
 *    looser test);
 * 2. expand rsyslog's "#012"/"#011" escapes (printk's leading "\n" becomes
 *    "kernel: #012but task is ...");
 * 3. split on CRLF/CR/LF;
 * 4. per line, strip mail quoting ("> ", "> > ", ">>", "| ") and then any log
 *    prefixes (syslog/journal "Mon DD hh:mm:ss host kernel: ", ISO syslog,
 *    "kern  :warn  : ", /dev/kmsg "4,123,456,-;", "<4>", "[  12.345678]",
 *    "[  T123]");
 * 5. printk continuation lines: dmesg and journalctl print the rest of a
 *    multi-line record without a prefix, indented by the prefix width; that
 *    indentation is removed;
 * 6. rejoin a bracketed old-style title split by a mail client.
 *
 * Per-report steps (dedent, unwrapping of mail-wrapped lines) need to know
 * where a report starts and live in dedentReport() and unwrapReport().
 */

const QP_ESCAPE = /(?:=[0-9A-F]{2})+/g;

/**
 * Quoted-printable bodies escape "=" as "=3D" and break long lines with a
 * trailing "=". Kernel text contains neither: its only lines ending in "="
 * are the all-"=" separators, hence the non-"=" character before the break.
 */
export function looksQuotedPrintable(text: string): boolean {
  return text.includes('=3D') || /[^=\s]=\r?\n/.test(text);
}

/** Decodes quoted-printable: soft line breaks ("=" at end of line) and =XX byte escapes (UTF-8). */
export function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  const decoder = new TextDecoder('utf-8');
  return joined.replace(QP_ESCAPE, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return decoder.decode(bytes);
  });
}

/** rsyslog escapes control characters as #ooo (octal); only newline and tab matter here. */
function expandSyslogEscapes(text: string): string {
  return text.replace(/#012(?!\d)/g, '\n').replace(/#011(?!\d)/g, '\t');
}

/** One quoting level: optional indent, ">" or "|", and at most one following space. */
const QUOTE_LEVEL = /^[ \t]{0,3}[>|] ?/;

/** Removes every level of mail quoting. Kernel lines never begin with ">" or "|". */
export function stripQuoting(line: string): string {
  let rest = line;
  for (let m = QUOTE_LEVEL.exec(rest); m; m = QUOTE_LEVEL.exec(rest)) rest = rest.slice(m[0].length);
  return rest;
}

const BSD_DATE = String.raw`[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}(?:\.\d+)?`;
const ISO_DATE = String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?`;

/**
 * Log prefixes, each anchored at the start and allowed to follow indentation.
 * A single space after the prefix belongs to the prefix; more spaces are the
 * kernel's own indentation (" #0:", "  lock(", frame indents).
 */
const LOG_PREFIXES: readonly RegExp[] = [
  // syslog / journalctl: "Jul 20 14:16:21 host kernel: ", ISO dates, "kern.warn kernel:" (busybox).
  new RegExp(String.raw`^\s*(?:${BSD_DATE}|${ISO_DATE})\s+(?:\S+\s+){0,2}kernel(?:\[\d+\])?: ?`),
  // Date-less syslog: "dom0 kernel: " or just "kernel: ".
  /^\s*(?:[\w.-]+\s+)?kernel: ?/,
  // dmesg -x: "kern  :warn  : ".
  /^\s*kern\s*:\s*[a-z]+\s*: ?/,
  // /dev/kmsg records: "4,1043,34351285,-;".
  /^\s*\d+,\d+,\d+,[^;\s]*;/,
  // printk loglevel "<4>" before a timestamp.
  /^\s*<\d{1,2}>(?=\[)/,
  // dmesg timestamp with optional caller id: "[   91.866348] ", "[   33.6][  T607] ".
  /^\s*\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? ?/,
  // dmesg -T: "[Tue Jul 20 14:16:21 2021] ".
  /^\s*\[[A-Z][a-z]{2} [A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2} \d{4}\] ?/,
];

interface PrefixStrip {
  text: string;
  /** Characters removed; 0 when the line had no log prefix. */
  width: number;
}

/** Strips stacked log prefixes ("host kernel: [ts] ..."), returning the removed width. */
export function stripLogPrefix(line: string): PrefixStrip {
  let rest = line;
  let changed = true;
  while (changed) {
    changed = false;
    for (const re of LOG_PREFIXES) {
      const m = re.exec(rest);
      if (m && m[0].length > 0) {
        rest = rest.slice(m[0].length);
        changed = true;
        break;
      }
    }
  }
  return { text: rest, width: line.length - rest.length };
}

function leadingWhitespace(line: string): number {
  const m = /^[ \t]*/.exec(line);
  return m ? m[0].length : 0;
}

/**
 * Strips quoting and log prefixes from every line and undoes printk
 * continuation indentation: an unprefixed line indented at least as far as
 * the previous prefix was wide is the tail of that prefixed record.
 */
/**
 * Quoting and log prefixes in either order ("> [ts] ..." from a mail,
 * "kernel: > ..." never, but cheap to allow): strip both until neither
 * matches. The width counts only what came after the outer quoting, which is
 * what continuation lines are indented by.
 */
function stripLine(line: string): { unquoted: string; text: string; width: number } {
  const unquoted = stripQuoting(line);
  let text = unquoted;
  let logged = false;
  for (;;) {
    const prefix = stripLogPrefix(text);
    const requoted = stripQuoting(prefix.text);
    if (prefix.width === 0 && requoted === prefix.text) break;
    logged ||= prefix.width > 0;
    text = requoted;
  }
  return { unquoted, text, width: logged ? unquoted.length - text.length : 0 };
}

function stripPrefixes(lines: readonly string[]): string[] {
  const out: string[] = [];
  let lastWidth = 0;
  for (const original of lines) {
    const { unquoted, text, width } = stripLine(original);
    if (unquoted.trim() === '') {
      // Blank lines carry nothing; indentation left on them by quoting or tabs would only differ between pastes.
      out.push('');
    } else if (width > 0) {
      lastWidth = width;
      out.push(text);
    } else if (lastWidth > 0 && leadingWhitespace(unquoted) >= lastWidth) {
      out.push(unquoted.slice(lastWidth));
    } else {
      out.push(unquoted);
    }
  }
  return out;
}

/** "[ INFO: possible circular locking dependency detected" + "]" on the next line. */
function joinSplitBracketTitles(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const next = lines[i + 1];
    if (/^\s*\[ (?:INFO|BUG|WARNING):[^\]]*$/.test(line) && next !== undefined && next.trim() === ']') {
      out.push(`${line.trimEnd()} ]`);
      i++;
    } else {
      out.push(line);
    }
  }
  return out;
}

/** Steps 1–6 above: the whole pasted text as the kernel's own lines. */
export function normalizeLines(text: string): string[] {
  const decoded = looksQuotedPrintable(text) ? decodeQuotedPrintable(text) : text;
  const lines = expandSyslogEscapes(decoded).split(/\r\n|\r|\n/);
  return joinSplitBracketTitles(stripPrefixes(lines));
}

/**
 * Removes the indentation a commit message or mail added to a whole report:
 * the title is printed at column 0, so its indentation is the added one.
 */
export function dedentReport(lines: readonly string[], titleLine: string): string[] {
  const indent = leadingWhitespace(titleLine);
  if (indent === 0) return [...lines];
  return lines.map((line) => line.slice(Math.min(indent, leadingWhitespace(line))));
}

const DESCRIPTOR_AT_END = /\)\{[-.+?]{2,8}\}(?:-\{\d+:\d+\})?, at:(?:\s*\[<[0-9a-fA-F]+>\])?\s*$/;
const DESCRIPTOR_COMMA_END = /\)\{[-.+?]{2,8}\}(?:-\{\d+:\d+\})?,\s*$/;
const BARE_ADDRESS = /^(?:#\d+:\s*)?(?:[0-9a-fA-F]{8,16}|\(____ptrval____\))$/;
const BARE_FILE_LINE = /^(?:\.\/)?[\w./-]+\.[A-Za-z]{1,3}:\d+(?:\s+\[inline\])?$/;
const FRAME_WITH_OFFSET = /\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+$/;
const VERSION_START = /^\d+\.\d+\S*\s+#\S+/;

/** Sentences lockdep prints on one line that mail clients are known to break. */
const KNOWN_SENTENCES: readonly string[] = [
  'the existing dependency chain (in reverse order) is:',
  'but task is already holding lock:',
  'which lock already depends on the new lock.',
  'other info that might help us debug this:',
  'and interrupts could create inverse lock ordering between them.',
  'the shortest dependencies between 2nd lock and 1st lock:',
  'but there are no more locks to release!',
];

function completesKnownSentence(prev: string, next: string): boolean {
  const joined = `${prev} ${next}`;
  return KNOWN_SENTENCES.some((s) => s !== prev && s.startsWith(prev) && s.startsWith(joined));
}

function isDashSeparator(line: string | undefined): boolean {
  return line !== undefined && /^\s*-{5,}\s*$/.test(line);
}

/** Whether `next` is the mail-wrapped tail of `prev` (see the rules inline). */
function isWrappedTail(prev: string, next: string): boolean {
  const p = prev.trimEnd();
  const n = next.trim();
  if (n === '') return false;
  // "ffff... (&pool->lock){..-.}-{3:3}, at:" / "__queue_work+0x108/0x7c8"
  if (DESCRIPTOR_AT_END.test(p)) return true;
  // Pre-4.14: "(pgdat_init_rwsem){++++.+}," / "    at: [<ffffffff8424c7fb>] ..."
  if (DESCRIPTOR_COMMA_END.test(p) && n.startsWith('at:')) return true;
  // " #0: ffff9d21c406eb10" / "(&sb->s_type->i_mutex_key#6){+.+.}-{3:3}, at: ..."
  if (BARE_ADDRESS.test(p.trim()) && n.startsWith('(')) return true;
  // "... is freeing memory" / "ffff9d21cbea0000-ffff9d21cbea06bf, with a lock still held there!"
  if (p.endsWith('is freeing memory')) return true;
  // "madvise_cold_or_pageout_pte_range+0x170f/0x3990" / "mm/madvise.c:480"
  if (FRAME_WITH_OFFSET.test(p) && BARE_FILE_LINE.test(n)) return true;
  // "CPU: 1 PID: 0 Comm: swapper/1 Not tainted" / "5.7.0-rc2-00069-g18bf34080c4c #250"
  if (/\bComm: .*(?:Not tainted|Tainted:.*)$/.test(p) && VERSION_START.test(n)) return true;
  // "A --> B -->" / "C" in "Chain exists of:"
  if (p.endsWith('-->')) return true;
  return completesKnownSentence(p.trim(), n);
}

/**
 * Rejoins lines a mail client wrapped. `titleIndex` lets the ident line
 * ("5.15.0 #1 Tainted: G" / "W  --------- ---") be rejoined too: anything
 * between the title and the dashed separator belongs to the ident.
 */
export function unwrapReport(lines: readonly string[], titleIndex: number): string[] {
  const out = [...lines];
  for (let i = 0; i < out.length - 1; i++) {
    const prev = out[i] ?? '';
    const next = out[i + 1] ?? '';
    const identWrap =
      i === titleIndex + 1 && next.trim() !== '' && !isDashSeparator(next) && isDashSeparator(out[i + 2]);
    if (identWrap || isWrappedTail(prev, next)) {
      out.splice(i, 2, `${prev.trimEnd()} ${next.trim()}`);
      i--;
    }
  }
  return out;
}
