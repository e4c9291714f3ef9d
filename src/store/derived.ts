/**
 * Values derived from a whole run, computed once per run object (the run is immutable, so a
 * WeakMap keyed by it is a safe cache): the lanes' frame, lockdep, lifetimes, the kernel log.
 */
import { variantDef, type KernelState, type Variant } from '../engine'
import { analyzeRun, cpuStreams, replaySchedule, scheduleOf, type Replay, type RunAnalysis } from '../engine/lockdep'
import type { RunOutput, Scenario } from '../engine/scenario'

import { kernelLog, lifetimes, runFrame, type ChangedSpans, type LifetimeRow, type LogEntry, type RunFrame } from '../engine/selectors'
import { buildEffectIndex, effectTouches, type EffectIndex } from '../engine/selectors/lastChanged'
import { viewChanges } from '../engine/selectors/viewChanges'
import { effectSlice } from '../engine/effects'
import type { Effect, EffectObject } from '../engine/result'
import type { Extent } from '../engine/rangemap'
import type { AppState } from './createAppStore'
import type { Selection } from './view'

function memo<T>(compute: (run: RunOutput, s: AppState) => T): (s: AppState) => T | null {
  const cache = new WeakMap<RunOutput, T>()
  return (s) => {
    if (!s.run) return null
    let v = cache.get(s.run)
    if (v === undefined) {
      v = compute(s.run, s)
      cache.set(s.run, v)
    }
    return v
  }
}

export const selectFrame = memo<RunFrame>((run, s) => runFrame(run.states, variantDef(s.scenario!.variant as Variant).constants))
export const selectLockdep = memo<RunAnalysis>((run) => analyzeRun(run.records))
export const selectLifetimes = memo<LifetimeRow[]>((run) => lifetimes(run.states))
export const selectKernelLog = memo<LogEntry[]>((run) => kernelLog(run.records))

/** Does the scenario run on two CPUs (a step with cpu 1, or a schedule)? */
export function isTwoCpu(scenario: Scenario | null): boolean {
  if (!scenario) return false
  return scheduleOf(scenario) !== null || scenario.steps.some((st) => (st as { cpu?: unknown }).cpu === 1)
}

/** The two-CPU replay of the run's lock events under the scenario's schedule (null for one CPU). */
export const selectReplay = memo<Replay | false>((run, s) => {
  if (!isTwoCpu(s.scenario)) return false
  return replaySchedule(cpuStreams(run.records), scheduleOf(s.scenario!) ?? [])
})

const NO_CHANGES: ChangedSpans = { files: {}, vms: {} }
const changesCache = new WeakMap<KernelState, { prev: KernelState; changes: ChangedSpans }>()

/**
 * What the step at the cursor changed (the memory view's "changed" outlines), once per state:
 * compared only where the step replaced extents, so a jump does not sweep the whole state.
 */
export function selectChanges(s: AppState): ChangedSpans {
  const cur = s.run?.states[s.cursor]
  const prev = s.cursor > 0 ? s.run?.states[s.cursor - 1] : undefined
  if (!cur || !prev) return NO_CHANGES
  const hit = changesCache.get(cur)
  if (hit && hit.prev === prev) return hit.changes
  const changes = viewChanges(prev, cur)
  changesCache.set(cur, { prev, changes })
  return changes
}

/** Per run and per key name: the key of every state computed so far (states are immutable). */
// The details panel no longer uses this (it reads the effect index: selectLastChangeOf below);
// scripts/bench_timeline.ts still times it beside the walk-back, for comparison.
const lastChangeCache = new WeakMap<RunOutput, Map<string, (string | undefined)[]>>()

/**
 * The latest state index i ≤ cursor where key(states[i]) differs from key(states[i - 1]), or 0
 * (lastChangeStep of the engine's selectors), with every state's key memoised per run under
 * `keyName` (a string naming what `key` reads, e.g. the selection as JSON): moving the cursor with
 * the same selection only computes the keys of states not seen yet, instead of walking back over
 * every state each time.
 */
export function selectLastChange(s: AppState, keyName: string, key: (state: KernelState) => string): number {
  const run = s.run
  if (!run || !run.states[s.cursor]) return 0
  let perKey = lastChangeCache.get(run)
  if (!perKey) lastChangeCache.set(run, (perKey = new Map()))
  let keys = perKey.get(keyName)
  if (!keys) {
    perKey.set(keyName, (keys = []))
    // keep the cache small: a hover sweeps many keys
    if (perKey.size > 64) perKey.delete(perKey.keys().next().value!)
  }
  const at = (i: number) => (keys[i] ??= key(run.states[i]!))
  let k = at(s.cursor)
  for (let i = s.cursor; i > 0; i--) {
    const prev = at(i - 1)
    if (prev !== k) return i
    k = prev
  }
  return 0
}

/** The run's effects grouped by object (lastChanged.ts), built once per run. */
export const selectEffectIndex = memo<EffectIndex>((run) => buildEffectIndex(run.records))

/** An effect that changed file pages of an inode, with the pages it changed. */
interface FileEntry {
  readonly step: number
  readonly effect: Effect
  readonly start: number
  readonly end: number
}

/** Index of the first extent ending after `x`. */
function firstEndingAfter(list: readonly { readonly end: number }[], x: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]!.end <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

type GuestExtent = Extent<{ readonly inode: string | null; readonly index: number; readonly backing?: string }>

/** The file pages [start, end) of the gfns [g0, g1) map in one state's stage 2 (KVM gmem) or ghvm->mm (Gunyah). */
function guestFilePages(state: KernelState | undefined, vm: string, g0: number, g1: number, push: (inode: string, start: number, end: number) => void): void {
  if (!state) return
  const kvm = state.vms[vm]
  const map = (kvm ? kvm.stage2 : state.gunyah?.vms?.[vm]?.mm) as readonly GuestExtent[] | undefined
  if (!map) return
  for (let i = firstEndingAfter(map, g0); i < map.length && map[i]!.start < g1; i++) {
    const e = map[i]!
    if (!e.value.inode || (kvm && e.value.backing !== 'gmem')) continue
    const a = Math.max(g0, e.start)
    const b = Math.min(g1, e.end)
    push(e.value.inode, e.value.index + (a - e.start), e.value.index + (b - e.start))
  }
}

/** The file pages whose host mapping one VMA effect changed (KVM: the VMA's range; Gunyah: its PTEs). */
function hostFilePages(before: KernelState | undefined, after: KernelState | undefined, vmaId: string, push: (inode: string, start: number, end: number) => void): void {
  const at = (s: KernelState | undefined) => {
    const vma = s?.vmas[vmaId]
    const inode = vma ? s!.files[vma.file]?.inode : null
    if (!vma || !inode) return null
    const ptes = s!.gunyah?.ptes?.[vmaId]
    const spans: readonly { start: number; end: number }[] = ptes ?? (s!.variant.startsWith('gunyah') ? [] : [{ start: vma.pgoff, end: vma.pgoff + vma.pages }])
    return { inode, spans }
  }
  const a = at(before)
  const b = at(after)
  for (const x of [a, b]) {
    if (!x) continue
    const other = x === a ? b : a
    // pages mapped on one side and not (or differently) on the other: compare span lists
    if (other && other.inode === x.inode) {
      const same = new Set(other.spans.map((sp) => `${sp.start}:${sp.end}`))
      for (const sp of x.spans) if (!same.has(`${sp.start}:${sp.end}`)) push(x.inode, sp.start, sp.end)
    } else for (const sp of x.spans) push(x.inode, sp.start, sp.end)
  }
}

/**
 * Effects on guest and host mappings, by the file pages they changed (per inode, in step order):
 * a stage-2 effect names gfns and a VMA effect names the whole VMA, so each is translated once per
 * run through the states before and after its step.
 */
const selectMappingEffects = memo<Map<string, FileEntry[]>>((run) => {
  const out = new Map<string, FileEntry[]>()
  run.records.forEach((r, i) => {
    const step = i + 1
    for (const effect of r.result.effects) {
      const o = effect.object
      if (o.kind !== 'stage2' && o.kind !== 'vma') continue
      const seen = new Set<string>()
      const push = (inode: string, start: number, end: number) => {
        const k = `${inode}:${start}:${end}`
        if (end <= start || seen.has(k)) return
        seen.add(k)
        let list = out.get(inode)
        if (!list) out.set(inode, (list = []))
        list.push({ step, effect, start, end })
      }
      if (o.kind === 'stage2') {
        guestFilePages(run.states[step - 1], o.vm, o.start, o.end, push)
        guestFilePages(run.states[step], o.vm, o.start, o.end, push)
      } else hostFilePages(run.states[step - 1], run.states[step], o.id, push)
    }
  })
  return out
})

/** Lock classes by the steps whose lock events name them (ascending), once per run. */
const selectLockSteps = memo<Map<string, number[]>>((run) => {
  const out = new Map<string, number[]>()
  run.records.forEach((r, i) => {
    for (const ev of r.result.locks) {
      let list = out.get(ev.cls)
      if (!list) out.set(ev.cls, (list = []))
      if (list[list.length - 1] !== i + 1) list.push(i + 1)
    }
  })
  return out
})

/** What a selection is, as the effect objects whose changes change it, in the state at the cursor. */
export function selectionObjects(state: KernelState, sel: Selection): EffectObject[] {
  switch (sel.kind) {
    case 'folio': {
      const r = { start: sel.page, end: sel.page + 1 }
      return [
        { kind: 'folios', inode: sel.inode, ...r },
        { kind: 'pages', inode: sel.inode, ...r },
      ]
    }
    case 'gfn': {
      const r = { start: sel.gfn, end: sel.gfn + 1 }
      const out: EffectObject[] = [
        { kind: 'stage2', vm: sel.vm, ...r },
        { kind: 'attributes', vm: sel.vm, ...r },
      ]
      const kvm = state.vms[sel.vm]
      if (kvm) {
        for (const [key, m] of Object.entries(kvm.memslots)) if (m.baseGfn <= sel.gfn && sel.gfn < m.baseGfn + m.npages) out.push({ kind: 'memslot', vm: sel.vm, key })
      }
      const tree = state.gunyah?.vms?.[sel.vm]?.bindings
      if (tree) {
        const i = firstEndingAfter(tree, sel.gfn)
        const e = tree[i]
        if (e && e.start <= sel.gfn) out.push({ kind: 'gunyah-binding', id: e.value.binding })
      }
      return out
    }
    case 'binding': {
      if (state.gunyah?.bindings?.[sel.id]) return [{ kind: 'gunyah-binding', id: sel.id }]
      const colon = sel.id.lastIndexOf(':')
      const file = state.files[sel.id.slice(0, colon)]
      const start = Number(sel.id.slice(colon + 1))
      const b = file?.bindings.find((x) => x.start === start)
      if (!file || !b) return []
      const out: EffectObject[] = [{ kind: 'binding', file: file.id, start: b.start, end: b.end }]
      const vm = file.vm ? state.vms[file.vm] : undefined
      if (vm) {
        for (const [key, m] of Object.entries(vm.memslots)) if (m.uid === b.value.slot) out.push({ kind: 'memslot', vm: vm.id, key })
        const freed = vm.freedMemslots[b.value.slot]
        if (freed) out.push({ kind: 'memslot', vm: vm.id, key: `${freed.asId}:${freed.id}` })
      }
      return out
    }
    case 'lock':
      return []
  }
}

/** The step (≤ the cursor) that last changed a selection, and what that step did to it. */
export interface LastChange {
  readonly step: number
  /** the step's effects on the selection, in order (lock selections: none) */
  readonly effects: readonly Effect[]
  /** lock selections: the lock events of that step on the class */
  readonly locks: readonly { readonly fn: string; readonly kind: string; readonly instance: string }[]
}

/** Index of the last entry whose step is ≤ upTo, -1 if none. */
function lastAtOrBefore(list: readonly { readonly step: number }[] | readonly number[], upTo: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const x = list[mid]!
    if ((typeof x === 'number' ? x : x.step) <= upTo) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/**
 * "The rule that last changed it": the latest step at or before the cursor whose effects touched
 * the selection, from the run's effect index (a binary search to the cursor and a walk back over
 * the selection's own group, never over the run's states). A folio also changes with the guest
 * and host mappings of its page (stage 2 / ghvm->mm, VMAs and their PTEs), read from the same
 * effects translated to file pages once per run.
 */
export function selectLastChangeOf(s: AppState, sel: Selection): LastChange | null {
  const run = s.run
  const state = run?.states[s.cursor]
  if (!run || !state || s.cursor === 0) return null
  if (sel.kind === 'lock') {
    const steps = selectLockSteps(s)!.get(sel.cls) ?? []
    const k = lastAtOrBefore(steps, s.cursor)
    if (k < 0) return null
    const step = steps[k]!
    const locks = run.records[step - 1]!.result.locks.filter((e) => e.cls === sel.cls).map((e) => ({ fn: e.fn, kind: e.kind, instance: e.instance }))
    return { step, effects: [], locks }
  }
  const objects = selectionObjects(state, sel)
  const index = selectEffectIndex(s)!
  let step = 0
  for (const o of objects) {
    // An effect names the extent a function wrote; a zap or a truncate of a range may leave this
    // page or gfn as it was, so a hit counts only if the object's own slice differs across its step.
    for (let upTo = s.cursor; upTo > step; ) {
      const hit = index.lastChangedBy(upTo, o)
      if (!hit || hit.step <= step) break
      if (JSON.stringify(effectSlice(run.states[hit.step - 1]!, o)) !== JSON.stringify(effectSlice(run.states[hit.step]!, o))) {
        step = hit.step
        break
      }
      upTo = hit.step - 1
    }
  }
  if (sel.kind === 'folio') {
    // the file's creation made the page exist (there is no folio effect for a hole)
    const created = index.history(s.cursor, { kind: 'inode', id: sel.inode })[0]
    if (created && created.step > step) {
      step = created.step
      objects.push({ kind: 'inode', id: sel.inode })
    }
  }
  const mapping: FileEntry[] = []
  if (sel.kind === 'folio') {
    const list = selectMappingEffects(s)!.get(sel.inode) ?? []
    for (let k = lastAtOrBefore(list, s.cursor); k >= 0 && list[k]!.step > step; k--) {
      const e = list[k]!
      if (e.start <= sel.page && sel.page < e.end) {
        step = e.step
        break
      }
    }
    for (let k = lastAtOrBefore(list, step); k >= 0 && list[k]!.step === step; k--) {
      const e = list[k]!
      if (e.start <= sel.page && sel.page < e.end) mapping.push(e)
    }
  }
  if (!step) return null
  const fromMappings = new Set(mapping.map((e) => e.effect))
  const effects = run.records[step - 1]!.result.effects.filter((e) => fromMappings.has(e) || objects.some((o) => effectTouches(e.object, o)))
  return { step, effects, locks: [] }
}
