/**
 * No HTML injection sinks or dynamic code anywhere in src/: text from a scenario, a link or a
 * splat only ever reaches the page as React text or DOM attributes. (The built app's CSP backs
 * this up: no inline script, no eval, Trusted Types required for every HTML sink.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname
const SRC = join(ROOT, 'src')

const FORBIDDEN: readonly [string, RegExp][] = [
  ['dangerouslySetInnerHTML', /dangerouslySetInnerHTML/],
  ['innerHTML', /\binnerHTML\b/],
  ['outerHTML', /\bouterHTML\b/],
  ['insertAdjacentHTML', /\binsertAdjacentHTML\b/],
  ['document.write', /\bdocument\s*\.\s*write(ln)?\s*\(/],
  ['createContextualFragment', /\bcreateContextualFragment\b/],
  ['DOMParser', /\bDOMParser\b/],
  ['srcdoc', /\bsrcdoc\b/i],
  ['eval', /(^|[^\w$])eval\s*\(/],
  ['new Function', /\bnew\s+Function\s*\(/],
  ['Function(…)', /(^|[^.\w$])Function\s*\(\s*['"`]/],
  ['setTimeout/setInterval with a string', /\bset(Timeout|Interval)\s*\(\s*['"`]/],
  ['javascript: URL', /javascript:/i],
]

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : /\.(tsx?|jsx?|mjs|cjs|html)$/.test(name) ? [p] : []
  })
}

/** The source without comments (a comment may say "never innerHTML"); strings are kept. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1')
}

describe('no HTML injection or dynamic code in src/', () => {
  const all = [...files(SRC), join(ROOT, 'index.html')]

  it('finds the sources', () => {
    expect(all.length).toBeGreaterThan(50)
  })

  it.each(FORBIDDEN)('%s is used nowhere', (_name, re) => {
    const hits = all.flatMap((f) =>
      code(readFileSync(f, 'utf8'))
        .split('\n')
        .flatMap((line, i) => (re.test(line) ? [`${relative(ROOT, f)}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])),
    )
    expect(hits).toEqual([])
  })

  it('the checker sees what it looks for', () => {
    const sample = code('el.innerHTML = x // innerHTML in a comment\n/* eval( */ const f = new Function("a")\nwindow.eval(s)')
    expect(FORBIDDEN.filter(([, re]) => re.test(sample)).map(([n]) => n)).toEqual(['innerHTML', 'eval', 'new Function', 'Function(…)'])
  })
})
