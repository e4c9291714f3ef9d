/**
 * Effects: what a step changed, object by object, with the rule behind each change.
 *
 * Kernel functions call `ctx.effect(object, what, seed)` where they write the state. A store can
 * write what was already there (a fault over a present mapping, an unbind of an erased range), so
 * step() keeps only the effects whose object differs between the state before and after the
 * step: `effectSlice` reads the part of a state an effect object names, over extents only.
 */
import type { Effect, EffectObject } from './result'
import { rangeQuery, type Linear, type RangeMap, type Value } from './rangemap'
import { FOLIO_LINEAR, GUNYAH_MM_LINEAR, STAGE2_LINEAR, type KernelState } from './state'

function slice<V extends Value>(map: RangeMap<V> | undefined, start: number, end: number, linear: Linear<V> = []): unknown {
  return map ? rangeQuery(map, start, end, linear) : null
}

/** The part of `s` that `o` names, as plain data (compared by JSON). */
export function effectSlice(s: KernelState, o: EffectObject): unknown {
  switch (o.kind) {
    case 'folios':
      return slice(s.inodes[o.inode]?.folios, o.start, o.end, FOLIO_LINEAR)
    case 'inode': {
      const i = s.inodes[o.id]
      return i ? { privateList: i.privateList, evicted: i.evicted, sizePages: i.sizePages, flags: i.flags } : null
    }
    case 'binding':
      return slice(s.files[o.file]?.bindings, o.start, o.end)
    case 'gunyah-binding': {
      const tree: unknown[] = []
      for (const vm of Object.values(s.gunyah.vms)) {
        for (const e of vm.bindings) if (e.value.binding === o.id) tree.push([vm.id, e.start, e.end])
      }
      return { b: s.gunyah.bindings[o.id] ?? null, tree }
    }
    case 'memslot': {
      const vm = s.vms[o.vm]
      if (!vm) return null
      const freed = Object.values(vm.freedMemslots).filter((m) => `${m.asId}:${m.id}` === o.key)
      return { live: vm.memslots[o.key] ?? null, freed }
    }
    case 'stage2':
      if (s.vms[o.vm]) return slice(s.vms[o.vm]!.stage2, o.start, o.end, STAGE2_LINEAR)
      return slice(s.gunyah.vms[o.vm]?.mm, o.start, o.end, GUNYAH_MM_LINEAR)
    case 'attributes':
      return slice(s.vms[o.vm]?.attributes, o.start, o.end)
    case 'pages':
      return slice(s.gunyah.pages[o.inode], o.start, o.end)
    case 'file': {
      const f = s.files[o.id]
      if (!f) return null
      const fds = Object.entries(s.fds).filter(([, e]) => e.file === o.id)
      return { fCount: f.fCount, released: f.released, fds }
    }
    case 'vm': {
      const k = s.vms[o.id]
      if (k) {
        return { users: k.usersCount, destroyed: k.destroyed, mmu: k.mmu, pages: k.nrMemslotPages, maxMmu: s.kvmUpstream.nMaxMmuPages[o.id] ?? null }
      }
      const g = s.gunyah.vms[o.id]
      return g ? { refs: g.refs, started: g.started, destroyed: g.destroyed, demandPaging: g.demandPaging } : null
    }
    case 'vcpu':
      return s.kvmUpstream.vcpus[o.id] ?? null
    case 'vma':
      return { vma: s.vmas[o.id] ?? null, ptes: s.gunyah.ptes[o.id] ?? null }
    case 'kernel':
      switch (o.field) {
        case 'taint':
          return s.taint
        case 'warnedOnce':
          return s.warnedOnce
        case 'inject':
          return s.inject
        case 'reclaimFails':
          return s.gunyah.reclaimFails
        case 'leaked':
          return s.gunyah.leaked
        case 'host':
          return s.kvmUpstream.host
      }
  }
}

/** The effects whose object differs between `before` and `after` (each object compared once). */
export function changedEffects(before: KernelState, after: KernelState, effects: readonly Effect[]): Effect[] {
  const changed = new Map<string, boolean>()
  return effects.filter((e) => {
    const key = JSON.stringify(e.object)
    let c = changed.get(key)
    if (c === undefined) {
      c = JSON.stringify(effectSlice(before, e.object)) !== JSON.stringify(effectSlice(after, e.object))
      changed.set(key, c)
    }
    return c
  })
}
