/**
 * npm run kdiff -- FILE|DIR... [--json]
 *
 * Differential testing: every scenario runs through the engine and through the real kernel
 * (native/gmem_runner.c, built with gcc on demand into node_modules/.cache/gmemscope-kdiff), and
 * every step where they disagree is printed (step, op, engine vs kernel ret/errno/signal/out).
 * Exit 0: no disagreement (or kdiff cannot run here: no /dev/kvm or no gcc, said on stderr);
 * 1: a disagreement; 2: usage. See docs/kvm-upstream.md.
 */
import { buildRunner, expandFiles, kdiffFile, kdiffUnavailable, probeHost } from './kdiff_core'

const argv = process.argv.slice(2)
const json = argv.includes('--json')
const args = argv.filter((a) => !a.startsWith('--'))
// With no argument, the whole suite: the differential scenarios and the built-in ones.
const files = expandFiles(args.length ? args : ['test/kdiff', 'scenarios'])
if (!files.length) {
  process.stderr.write('usage: npm run kdiff -- [FILE|DIR...] [--json]\n')
  process.exit(2)
}
const why = kdiffUnavailable()
if (why) {
  process.stderr.write(`kdiff: not run: ${why}\n`)
  process.exit(0)
}
const runner = buildRunner()
const host = probeHost(runner)
let disagreements = 0
let compared = 0
let skipped = 0
if (!json) process.stdout.write(`# host: ${JSON.stringify(host.config)}\n`)
for (const file of files) {
  const r = kdiffFile(file, runner, host)
  disagreements += r.disagreements.length
  if (r.skipped) skipped++
  else compared++
  if (json) {
    process.stdout.write(JSON.stringify(r) + '\n')
    continue
  }
  if (r.skipped) process.stdout.write(`SKIP ${file}: ${r.skipped}\n`)
  else if (!r.disagreements.length) process.stdout.write(`ok   ${file} (${r.steps} steps)\n`)
  else {
    process.stdout.write(`FAIL ${file}\n`)
    for (const d of r.disagreements) process.stdout.write(`    #${d.step} ${d.op}: engine ${d.engine} | kernel ${d.kernel}\n`)
  }
}
const summary = `${files.length} scenarios: ${compared} compared, ${skipped} skipped, ${disagreements} disagreement${disagreements === 1 ? '' : 's'}`
if (json) process.stdout.write(JSON.stringify({ summary: { files: files.length, compared, skipped, disagreements, host: host.config } }) + '\n')
else process.stdout.write(summary + '\n')
process.exitCode = disagreements ? 1 : 0
