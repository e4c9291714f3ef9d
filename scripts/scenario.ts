/**
 * npm run scenario -- FILE [--json] [--fixes] [--no-locks]
 *
 * Runs a scenario headless through the engine. Human output: one strace-style line per step,
 * then its kernel log, rule and lock events. --json: JSON Lines, one object per step, then
 * {"summary": ...}. Exit 0 when every expect holds, 1 when one fails, 2 when the file is invalid.
 */
import { readFileSync } from 'node:fs'
import { runCli } from './scenario_cli'

const result = runCli(process.argv.slice(2), (path) => readFileSync(path === '-' ? 0 : path, 'utf8'))
if (result.stdout) process.stdout.write(result.stdout)
if (result.stderr) process.stderr.write(result.stderr)
process.exitCode = result.code
