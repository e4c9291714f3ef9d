/**
 * Parser for lockdep reports ("splats") pasted from dmesg, syslog,
 * journalctl or mail. Pure: no I/O, no clock, no randomness.
 *
 *   parseSplats(text) -> every report found, in order
 *   parseSplat(text)  -> the first report, or null
 *
 * Pipeline: normalize.ts strips prefixes and quoting from the whole text;
 * titles.ts finds report titles, which split the text into segments; each
 * segment is dedented and unwrapped, fed line by line to builder.ts, and the
 * resulting draft is turned into a ParsedSplat here. A segment that holds no
 * more than a title (a truncated paste, prose quoting a title) is dropped.
 */
import { handleLine, hasContent, newDraft, type Draft, type LockDraft, type RawScenarioRow } from './builder';
import { dedentReport, normalizeLines, unwrapReport } from './normalize';
import { irqContextOfTitle, matchTitle, type Title } from './titles';
import type { IrqInfo, KernelIdent, LockRef, ParsedSplat, Scenario, ScenarioRow, TaskRef } from './types';

export type * from './types';

interface Segment extends Title {
  /** First line of the report: the "=====" line above the title when there is one. */
  start: number;
  titleIndex: number;
  /** One past the last line that may belong to the report. */
  end: number;
}

const EQUALS_SEPARATOR = /^\s*={5,}\s*$/;

/** Splits normalised lines at report titles. */
function findSegments(lines: readonly string[]): Segment[] {
  const segments: Segment[] = [];
  lines.forEach((line, i) => {
    const title = matchTitle(line);
    if (!title) return;
    const start = i > 0 && EQUALS_SEPARATOR.test(lines[i - 1] ?? '') ? i - 1 : i;
    const previous = segments[segments.length - 1];
    if (previous) previous.end = start;
    segments.push({ ...title, start, titleIndex: i, end: lines.length });
  });
  return segments;
}

function parseSegment(lines: readonly string[], seg: Segment): ParsedSplat | null {
  const titleOffset = seg.titleIndex - seg.start;
  const dedented = dedentReport(lines.slice(seg.start, seg.end), lines[seg.titleIndex] ?? '');
  const body = unwrapReport(dedented, titleOffset);
  const draft = newDraft(seg.type, seg.title, titleOffset);
  body.forEach((line, i) => {
    if (i > titleOffset) handleLine(draft, line, i);
  });
  if (!hasContent(draft)) return null;
  return finish(draft, body.slice(0, draft.lastUseful + 1).join('\n'));
}

/** The longest paste parsed (characters): real reports are a few KiB, a whole dmesg well under 1 MiB. */
export const MAX_SPLAT_TEXT = 1024 * 1024;
/** The most lines parsed. Parsing is linear in the input; these two bound its time and memory. */
export const MAX_SPLAT_LINES = 50_000;

/** Why a paste is not parsed at all (too large, not text), or null if it is within the limits. */
export function splatInputProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'not text';
  if (text.length > MAX_SPLAT_TEXT) return `${text.length} characters is more than the limit of ${MAX_SPLAT_TEXT}`;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (++lines > MAX_SPLAT_LINES) return `more than ${MAX_SPLAT_LINES} lines`;
  }
  return null;
}

/** Every report found in the text, in order; none for a paste beyond the limits (splatInputProblem). */
export function parseSplats(text: string): ParsedSplat[] {
  if (splatInputProblem(text) !== null) return [];
  const lines = normalizeLines(text);
  const out: ParsedSplat[] = [];
  for (const seg of findSegments(lines)) {
    const report = parseSegment(lines, seg);
    if (report) out.push(report);
  }
  return out;
}

export function parseSplat(text: string): ParsedSplat | null {
  return parseSplats(text)[0] ?? null;
}

function finish(d: Draft, raw: string): ParsedSplat {
  const kernel = mergeKernel(d.kernel, d.backtraceKernel);
  const task: TaskRef | null = d.task ?? d.backtraceTask ?? d.heldTask;
  const heldLocks = {
    count: d.heldCount,
    task: d.heldTask ? `${d.heldTask.comm}/${d.heldTask.pid}` : null,
    locks: d.heldLocks,
  };
  const splat: ParsedSplat = {
    type: d.type,
    title: d.title,
    task,
    cpu: d.cpu,
    classes: [],
    chain: d.chain,
    chainExists: d.chainExists,
    acquiring: refOf(d.acquiring),
    alreadyHolding: refOf(d.holding),
    releasing: refOf(d.releasing),
    usageChange: d.usageChange,
    irqContext: d.irqContext,
    irq: irqInfo(d),
    waitContext: d.waitContext,
    message: d.message,
    scenario: buildScenario(d),
    heldLocks,
    traces: d.traces,
    stack: d.stack,
    stackModules: d.stackModules,
    raw,
  };
  if (kernel) splat.kernel = kernel;
  splat.classes = deriveClasses(splat, d);
  return splat;
}

function refOf(draft: LockDraft | null): LockRef | null {
  return draft ? draft.ref : null;
}

/** The ident line wins; the backtrace's "CPU: ... Comm: ..." line fills what it lacks. */
function mergeKernel(ident: KernelIdent, backtrace: KernelIdent): KernelIdent | undefined {
  const merged: KernelIdent = { ...backtrace, ...ident };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function irqInfo(d: Draft): IrqInfo | null {
  if (d.type === 'irq-inversion') {
    const changed = d.acquiring?.ref.class ?? null;
    const context = d.irqClass ?? '';
    if (d.changedIsSafe === null) return { context, safe: null, unsafe: null };
    return d.changedIsSafe
      ? { context, safe: changed, unsafe: d.irqOther }
      : { context, safe: d.irqOther, unsafe: changed };
  }
  if (d.type === 'safe-to-unsafe') {
    return { context: irqContextOfTitle(d.title) ?? d.irqClass ?? '', safe: d.irqSafe, unsafe: d.irqUnsafe };
  }
  return null;
}

function unique(names: readonly (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const n of names) if (n && !out.includes(n)) out.push(n);
  return out;
}

/** See ParsedSplat.classes for the order each report type uses. */
function deriveClasses(s: ParsedSplat, d: Draft): string[] {
  const acquiring = s.acquiring?.class;
  const holding = s.alreadyHolding?.class;
  const scenarioClasses = s.scenario?.rows.map((r) => r.class) ?? [];
  switch (s.type) {
    case 'circular':
      return circularClasses(s);
    case 'recursive':
    case 'inconsistent':
    case 'invalid-wait-context':
      return unique([acquiring, holding, ...(acquiring || holding ? [] : scenarioClasses)]);
    case 'irq-inversion': {
      const middle = s.chainExists && s.chainExists.length === 3 ? s.chainExists[1] : null;
      return unique([s.irq?.safe, middle, s.irq?.unsafe, acquiring]);
    }
    case 'safe-to-unsafe':
      return unique([s.irq?.safe, holding, acquiring, s.irq?.unsafe]);
    case 'bad-unlock-balance':
      return unique([s.releasing?.class]);
    case 'held-lock-freed':
      return unique([holding]);
    case 'nested-lock-not-taken':
      return unique([acquiring, d.nestLock]);
    case 'lock-held-return-to-user':
      return unique(s.heldLocks.locks.map((l) => l.class));
    case 'suspicious-rcu':
      return [];
  }
}

/**
 * The cycle from the "-> #N" entries, #0 (the lock being acquired) first.
 * When a paste lost entries, the locks it still names fill in: the acquiring
 * lock is always #0, the held lock always #N, and "Chain exists of" names
 * #0, #N-1 and #N.
 */
function circularClasses(s: ParsedSplat): string[] {
  const entries = [...s.chain].sort((a, b) => a.index - b.index);
  const complete = entries.every((e, i) => e.index === i);
  const fromEntries = entries.map((e) => e.class);
  if (entries.length > 0 && complete) return unique(fromEntries);
  const [src, parent, tgt] = s.chainExists ?? [];
  const first = entries[0]?.index === 0 ? [] : [s.acquiring?.class ?? src];
  const last = [parent, s.alreadyHolding?.class ?? tgt].filter((c) => c === undefined || !fromEntries.includes(c));
  return unique([...first, ...fromEntries, ...last]);
}

/**
 * Assigns scenario rows to CPUs. Rows are indented under their column header
 * (CPU0 rows at 2 or 4, CPU1 rows at 31), so the midpoint between the header
 * columns separates them. When a paste collapsed the indentation, the fixed
 * layout of the two-column tables is used instead.
 */
function buildScenario(d: Draft): Scenario | null {
  if (!d.scenarioSeen && d.rows.length === 0) return null;
  const header = d.scenarioHeader;
  const twoColumns = header ? header.cpu1 !== null : false;
  const cpus = assignCpus(d.rows, header, twoColumns);
  const inIrq = new Set<number>();
  const rows: ScenarioRow[] = d.rows.map((row, i) => {
    const cpu = cpus[i] ?? 0;
    if (row.op === '<Interrupt>') {
      inIrq.add(cpu);
      return { cpu, op: row.op, class: '', inInterrupt: false };
    }
    return { cpu, op: row.op, class: row.class, inInterrupt: inIrq.has(cpu) };
  });
  const used = rows.reduce((max, r) => Math.max(max, r.cpu + 1), 1);
  return { cpus: header ? (twoColumns ? 2 : 1) : used, rows };
}

function assignCpus(
  rows: readonly RawScenarioRow[],
  header: Draft['scenarioHeader'],
  twoColumns: boolean,
): number[] {
  if (!twoColumns || !header || header.cpu1 === null) return rows.map(() => 0);
  const indents = new Set(rows.map((r) => r.indent));
  if (indents.size <= 1 && rows.length > 1) return canonicalCpus(rows);
  const threshold = (header.cpu0 + header.cpu1) / 2;
  return rows.map((r) => (r.indent >= threshold ? 1 : 0));
}

/**
 * Column layout lockdep always prints for two-CPU tables:
 * circular: CPU0, CPU1..., CPU0 (first and last row on CPU0);
 * irq: CPU0 row(s), then CPU1 from local_irq_disable() up to <Interrupt>, then CPU0.
 */
function canonicalCpus(rows: readonly RawScenarioRow[]): number[] {
  const irqDisable = rows.findIndex((r) => r.op === 'local_irq_disable');
  const interrupt = rows.findIndex((r) => r.op === '<Interrupt>');
  if (irqDisable >= 0 && interrupt > irqDisable) {
    return rows.map((_, i) => (i >= irqDisable && i < interrupt ? 1 : 0));
  }
  return rows.map((_, i) => (i === 0 || i === rows.length - 1 ? 0 : 1));
}
