/**
 * "The rule that last changed it": for a folio range, a binding, a memslot, a VM..., the latest
 * step whose effects (StepResult.effects) touched it, with the effect itself (kernel function,
 * what it did, seed citation).
 *
 * Steps are numbered as the runner numbers them: records[i] is step i + 1, and step n produced
 * states[n]. `upToStep` is such a number (a cursor: 0 is the initial state, which nothing changed).
 * Within one step the last effect on the object wins.
 */
import type { Effect, EffectObject, StepResult } from '../result'

export interface EffectHit {
  /** the step (1-based) whose effect it is */
  readonly step: number
  readonly effect: Effect
}

interface Ranged {
  readonly start: number
  readonly end: number
}

function ranged(o: EffectObject): Ranged | null {
  switch (o.kind) {
    case 'folios':
    case 'binding':
    case 'stage2':
    case 'attributes':
    case 'pages':
      return o
    default:
      return null
  }
}

/** What identifies the object apart from its range: effects only match within one group. */
export function effectGroup(o: EffectObject): string {
  switch (o.kind) {
    case 'folios':
    case 'pages':
      return `${o.kind}|${o.inode}`
    case 'binding':
      return `binding|${o.file}`
    case 'stage2':
    case 'attributes':
      return `${o.kind}|${o.vm}`
    case 'memslot':
      return `memslot|${o.vm}|${o.key}`
    case 'kernel':
      return `kernel|${o.field}`
    default:
      return `${o.kind}|${o.id}`
  }
}

/** Does an effect on `a` touch `b`? Same group, and for ranges, [start, end) overlap. */
export function effectTouches(a: EffectObject, b: EffectObject): boolean {
  if (effectGroup(a) !== effectGroup(b)) return false
  const ra = ranged(a)
  const rb = ranged(b)
  return !ra || !rb || (ra.start < rb.end && rb.start < ra.end)
}

type RecordLike = { readonly result: Pick<StepResult, 'effects'> }

/** The latest effect at or before step `upToStep` that touches `object`, walking back; null if none. */
export function lastChangedBy(records: readonly RecordLike[], upToStep: number, object: EffectObject): EffectHit | null {
  for (let i = Math.min(upToStep, records.length) - 1; i >= 0; i--) {
    const effects = records[i]!.result.effects
    for (let j = effects.length - 1; j >= 0; j--) {
      if (effectTouches(effects[j]!.object, object)) return { step: i + 1, effect: effects[j]! }
    }
  }
  return null
}

export interface EffectIndex {
  /** lastChangedBy() over the records the index was built from */
  lastChangedBy(upToStep: number, object: EffectObject): EffectHit | null
  /** every effect on the object's group (ranges overlapping it), oldest first, up to the step */
  history(upToStep: number, object: EffectObject): EffectHit[]
  /** how many effects the index holds */
  readonly size: number
}

/** Index of the last entry whose step is ≤ upTo, -1 if none (entries are in step order). */
function lastAtOrBefore(list: readonly EffectHit[], upTo: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]!.step <= upTo) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/**
 * Groups every effect by object (kind and identity), in step order, so a hover costs a binary
 * search to the cursor and, for ranges, a walk back over that one inode's or VM's effects until
 * one overlaps — never a walk over the whole run.
 */
export function buildEffectIndex(records: readonly RecordLike[]): EffectIndex {
  const groups = new Map<string, EffectHit[]>()
  let size = 0
  records.forEach((r, i) => {
    for (const effect of r.result.effects) {
      const key = effectGroup(effect.object)
      let list = groups.get(key)
      if (!list) groups.set(key, (list = []))
      list.push({ step: i + 1, effect })
      size++
    }
  })
  return {
    size,
    lastChangedBy(upToStep, object) {
      const list = groups.get(effectGroup(object))
      if (!list) return null
      const r = ranged(object)
      for (let k = lastAtOrBefore(list, upToStep); k >= 0; k--) {
        const hit = list[k]!
        const h = ranged(hit.effect.object)
        if (!r || !h || (h.start < r.end && r.start < h.end)) return hit
      }
      return null
    },
    history(upToStep, object) {
      const list = groups.get(effectGroup(object)) ?? []
      const upTo = lastAtOrBefore(list, upToStep)
      return list.slice(0, upTo + 1).filter((hit) => effectTouches(hit.effect.object, object))
    },
  }
}
