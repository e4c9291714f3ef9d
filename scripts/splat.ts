/**
 * npm run splat -- FILE [--json]
 *
 * Parses every lockdep report in FILE ("-" reads stdin) and prints a summary
 * of each: type, task, the cycle or classes, the scenario table and the held
 * locks. With --json it prints one ParsedSplat per line (JSON Lines).
 *
 * Exit status: 0 when at least one report was parsed; 2 when none was found,
 * when FILE cannot be read, or on a usage error.
 *
 * runSplatCli() takes its I/O as arguments so tests can call it directly.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseSplats, type HeldLock, type LockRef, type ParsedSplat, type Scenario } from '../src/engine/lockdep/splat/parse';

export interface CliIo {
  readFile(path: string): string;
  readStdin(): string;
  stdout(text: string): void;
  stderr(text: string): void;
}

const USAGE = 'usage: npm run splat -- FILE [--json]   (FILE may be "-" for stdin)';

interface CliArgs {
  file: string;
  json: boolean;
}

function parseArgs(args: readonly string[]): CliArgs | string {
  let file: string | null = null;
  let json = false;
  for (const arg of args) {
    if (arg === '--json') json = true;
    else if (arg === '-' || !arg.startsWith('-')) {
      if (file !== null) return `unexpected argument: ${arg}`;
      file = arg;
    } else return `unknown option: ${arg}`;
  }
  return file === null ? 'missing FILE' : { file, json };
}

function readInput(file: string, io: CliIo): string | Error {
  try {
    return file === '-' ? io.readStdin() : io.readFile(file);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export function runSplatCli(args: readonly string[], io: CliIo): number {
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr(`splat: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  const name = parsed.file === '-' ? 'stdin' : parsed.file;
  const text = readInput(parsed.file, io);
  if (text instanceof Error) {
    io.stderr(`splat: cannot read ${name}: ${text.message}\n`);
    return 2;
  }
  const splats = parseSplats(text);
  if (splats.length === 0) {
    io.stderr(`splat: no lockdep report found in ${name}\n`);
    return 2;
  }
  if (parsed.json) {
    for (const s of splats) io.stdout(`${JSON.stringify(s)}\n`);
  } else {
    io.stdout(splats.map((s, i) => formatSplat(s, i + 1, splats.length)).join('\n'));
  }
  return 0;
}

function lockText(lock: LockRef | HeldLock): string {
  const usage = lock.usage === null ? '' : `{${lock.usage}}`;
  const wait = lock.waitType === null ? '' : `-${lock.waitType}`;
  const at = lock.at === null ? '' : ` at ${lock.at}`;
  return `${lock.class}${usage}${wait}${at}`;
}

/** "A -> B -> C -> A": each arrow means "the right lock was taken while the left one was held". */
function cycleText(classes: readonly string[]): string {
  const first = classes[0];
  return first === undefined ? '(unknown)' : [...classes, first].join(' -> ');
}

function relationLines(s: ParsedSplat): string[] {
  switch (s.type) {
    case 'circular':
    case 'recursive':
      return [`cycle:     ${cycleText(s.classes)}`];
    case 'irq-inversion':
    case 'safe-to-unsafe': {
      const irq = s.irq;
      const lines = [`classes:   ${s.classes.join(' -> ') || '(none)'}`];
      if (irq) lines.push(`irq:       ${irq.context}-safe ${irq.safe ?? '?'} vs ${irq.context}-unsafe ${irq.unsafe ?? '?'}`);
      return lines;
    }
    default:
      return s.classes.length > 0 ? [`classes:   ${s.classes.join(', ')}`] : [];
  }
}

function detailLines(s: ParsedSplat): string[] {
  const lines: string[] = [];
  if (s.acquiring) lines.push(`acquiring: ${lockText(s.acquiring)}`);
  if (s.alreadyHolding) lines.push(`holding:   ${lockText(s.alreadyHolding)}`);
  if (s.releasing) lines.push(`releasing: ${lockText(s.releasing)}`);
  if (s.usageChange) lines.push(`usage:     {${s.usageChange.from}} -> {${s.usageChange.to}}`);
  if (s.irqContext) lines.push(`irq ctx:   ${s.irqContext}`);
  if (s.waitContext) lines.push(`context:   ${s.waitContext}`);
  if (s.message) lines.push(`message:   ${s.message}`);
  return lines;
}

const CPU_COLUMN = 36;

function scenarioLines(scenario: Scenario): string[] {
  const header = Array.from({ length: scenario.cpus }, (_, cpu) => `CPU${cpu}`.padEnd(CPU_COLUMN)).join('');
  const rows = scenario.rows.map((r) => {
    const text = r.op === '<Interrupt>' || r.class === '' ? `${r.op}${r.op === '<Interrupt>' ? '' : '()'}` : `${r.op}(${r.class})`;
    const indented = r.inInterrupt ? `  ${text}` : text;
    return `  ${' '.repeat(r.cpu * CPU_COLUMN)}${indented}`;
  });
  return ['scenario:', `  ${header.trimEnd()}`, ...rows];
}

function heldLines(s: ParsedSplat): string[] {
  const { count, task, locks } = s.heldLocks;
  if (count === null && locks.length === 0) return [];
  const by = task === null ? '' : ` by ${task}`;
  if (count === 0) return [`held locks: none${by}`];
  return [`held locks (${count ?? locks.length}${by}):`, ...locks.map((l) => `  #${l.index} ${lockText(l)}`)];
}

export function formatSplat(s: ParsedSplat, n: number, total: number): string {
  const lines = [`== report ${n} of ${total}: ${s.type} (${s.title})`];
  if (s.kernel) {
    const k = s.kernel;
    lines.push(`kernel:    ${[k.version, k.build].filter(Boolean).join(' ')}${k.tainted ? `, ${k.tainted}` : ''}`);
  }
  const cpu = s.cpu === null ? '' : ` on CPU ${s.cpu}`;
  lines.push(`task:      ${s.task ? `${s.task.comm}/${s.task.pid}` : '(unknown)'}${cpu}`);
  lines.push(...relationLines(s), ...detailLines(s));
  if (s.scenario) lines.push(...scenarioLines(s.scenario));
  lines.push(...heldLines(s));
  if (s.stack.length > 0) lines.push(`stack:     ${s.stack.slice(0, 8).join(' < ')}${s.stack.length > 8 ? ' < ...' : ''}`);
  return `${lines.join('\n')}\n`;
}

const nodeIo: CliIo = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Run only when executed (tsx scripts/splat.ts), not when a test imports runSplatCli. */
function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href;
}

if (isMain()) process.exitCode = runSplatCli(process.argv.slice(2), nodeIo);
