/** src/engine is a pure engine: no UI libraries, no browser globals. */
import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const ROOT = join(__dirname, '../../../src/engine')

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|tsx|js|mjs)$/.test(name) ? [p] : []
  })
}

const FORBIDDEN = /^(react|react-dom|zustand|d3)(\/|$)|^d3-/
const IMPORT_RE = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g

/** The source without comments and string contents other than module specifiers. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1')
}

describe('engine purity', () => {
  const files = walk(ROOT)

  it('finds the engine files', () => {
    expect(files.length).toBeGreaterThan(10)
  })

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports no react, react-dom, zustand, d3, store or ui', (_rel, file) => {
    const src = stripComments(readFileSync(file, 'utf8'))
    const specs = [...src.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3] ?? '')
    for (const s of specs) {
      expect(s, `${file} imports ${s}`).not.toMatch(FORBIDDEN)
      expect(s, `${file} imports ${s}`).not.toMatch(/(^|\/)(store|ui)(\/|$)/)
    }
  })

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s does not touch window, document or other browser/time globals', (_rel, file) => {
    const src = stripComments(readFileSync(file, 'utf8')).replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''")
    expect(src).not.toMatch(/\b(window|document|localStorage|requestAnimationFrame)\s*[.[(]/)
    expect(src).not.toMatch(/\bglobalThis\.(window|document)\b/)
    expect(src).not.toMatch(/\bDate\.now\s*\(|\bMath\.random\s*\(|\bnew Date\s*\(/)
  })
})
