import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseSplat } from '../../src/engine/lockdep/splat/parse'
import { splatToGraph } from '../../src/ui/panels/locks/splatGraph'

const fixture = (name: string) => parseSplat(readFileSync(`test/fixtures/splats/${name}`, 'utf8'))!

describe('splatToGraph', () => {
  it('draws the seed 002 splat as slots_lock → invalidate_lock, closed by invalidate_lock → slots_lock', () => {
    const g = splatToGraph(fixture('03-kvm-gmem-invalidate-lock-slots-lock-abridged.txt'))
    expect(g.nodes.map((n) => n.id).sort()).toEqual(['&kvm->slots_lock', 'mapping.invalidate_lock#4'])
    expect(g.edges.map((e) => [e.from, e.to])).toEqual([['&kvm->slots_lock', 'mapping.invalidate_lock#4']])
    expect(g.cycle.filter((c) => c.closing).map((c) => [c.from, c.to])).toEqual([['mapping.invalidate_lock#4', '&kvm->slots_lock']])
  })

  it('keeps the order of a longer cycle and closes it from the held lock back to the acquired one', () => {
    const splat = fixture('01-exfat-mmap-lock-invalidate-lock-circular.txt')
    const g = splatToGraph(splat)
    const classes = [...new Set(splat.classes)]
    expect(g.edges).toHaveLength(classes.length - 1)
    g.edges.forEach((e, i) => expect([e.from, e.to]).toEqual([classes[i], classes[i + 1]]))
    expect(g.cycle.at(-1)).toEqual({ from: classes.at(-1), to: classes[0], closing: true })
  })

  it('draws a recursive report as one class locked again under itself', () => {
    const g = splatToGraph(fixture('05-hugetlb-resize-lock-recursive.txt'))
    expect(g.nodes).toHaveLength(1)
    expect(g.cycle).toEqual([{ from: g.nodes[0]!.id, to: g.nodes[0]!.id, closing: true }])
  })
})
