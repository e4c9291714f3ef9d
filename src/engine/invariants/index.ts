/**
 * Invariants of the simulated kernel: what must hold between any two operations.
 *
 * `checkInvariants(state)` looks at one state; `checkStep(before, action, output)` at one
 * transition (the lock events a step reports, and what a host access reached). Both are pure and
 * return every violation found, each naming its invariant. Where a variant *as written* is known
 * to break an invariant, the violation lists the seed bugs that do (`seedBugs`): the property
 * tests accept such a violation only when the run went through one of them, and accept none with
 * `fixes` on. The table is `KNOWN_BREAKERS`; docs/limits.md and test/property describe the rest.
 */
import type { Action } from '../actions'
import { rangeLoad, rangeQuery } from '../rangemap'
import type { StepResult } from '../result'
import { FOLIO_LINEAR, type KernelState } from '../state'
import { big } from '../u64'
import { Collector, isGunyah, pagesOf, type CheckOptions } from './collector'
import { checkGunyah } from './gunyah'
import { checkKvm } from './kvm'

import type { Violation } from './ids'

export * from './ids'
export type { CheckOptions } from './collector'

function checkCommon(s: KernelState, c: Collector): void {
  const holders = new Map<string, number>()
  const hold = (id: string): void => {
    holders.set(id, (holders.get(id) ?? 0) + 1)
  }
  for (const fd of Object.values(s.fds)) hold(fd.file)
  for (const vma of Object.values(s.vmas)) hold(vma.file)
  if (s.variant === 'gunyah-v17') for (const b of Object.values(s.gunyah.bindings)) hold(b.file)
  for (const f of Object.values(s.files)) {
    if (f.fCount < 0) c.add('refcounts-non-negative', `${f.id}: f_count ${f.fCount}`)
    const n = holders.get(f.id) ?? 0
    if (n !== f.fCount) c.add('refcounts-balanced', `${f.id}: f_count ${f.fCount}, but ${n} fds, mappings and bindings hold it`)
    if (n > 0 && f.released) c.add('refcounts-balanced', `${f.id}: released while still held`)
  }
  for (const [id, fd] of Object.entries(s.fds)) {
    if (!s.files[fd.file]) c.add('refcounts-balanced', `fd ${id} refers to ${fd.file}, which does not exist`)
  }
  if (s.taint.length) c.add('no-oops', `the kernel is tainted: ${s.taint[0]}`)
}

/** Every invariant that fails in `state` (empty when all hold). */
export function checkInvariants(state: KernelState, opts: CheckOptions = {}): Violation[] {
  const c = new Collector(state.variant, opts.fixes ?? state.fixes)
  checkCommon(state, c)
  if (isGunyah(state.variant)) checkGunyah(state, c)
  else checkKvm(state, c)
  return c.out
}

/** The file page a host address falls in, through the VMA covering it. */
function hostPage(s: KernelState, addr: bigint): { inode: string; index: number } | null {
  const page = Number(addr >> 12n)
  const vma = Object.values(s.vmas).find((v) => page >= v.start && page < v.start + v.pages)
  const inode = vma ? s.files[vma.file]?.inode : null
  return vma && inode ? { inode, index: vma.pgoff + page - vma.start } : null
}

function isLent(s: KernelState, inode: string, index: number): string | null {
  if (isGunyah(s.variant)) {
    const p = rangeLoad(pagesOf(s, inode), index)
    return p?.access === 'lent' ? `lent to ${p.owner}` : null
  }
  for (const vm of Object.values(s.vms)) {
    for (const e of vm.stage2) {
      if (e.value.backing !== 'gmem' || e.value.inode !== inode) continue
      const gfn = e.start + index - e.value.index
      if (gfn < e.start || gfn >= e.end) continue
      if (rangeLoad(vm.attributes, gfn)?.private) return `mapped private in ${vm.id} at gfn 0x${gfn.toString(16)}`
    }
  }
  return null
}

/**
 * The invariants of one transition: the step released every lock it took (unless an oops ended
 * it), and a host access that completed did not touch a lent page.
 */
export function checkStep(before: KernelState, action: Action, output: { state: KernelState; result: StepResult }, opts: CheckOptions = {}): Violation[] {
  const c = new Collector(before.variant, opts.fixes ?? before.fixes)
  const r = output.result
  const oopsed = output.state.taint.length > before.taint.length
  const held = new Map<string, number>()
  for (const e of r.locks) {
    const k = `${e.task}|${e.cls}|${e.instance}`
    if (e.kind === 'acquire') held.set(k, (held.get(k) ?? 0) + 1)
    else if (e.kind === 'release') {
      const n = held.get(k) ?? 0
      if (n <= 0) c.add('locks-released', `${action.op}: ${e.fn} releases ${e.cls} (${e.instance}) it does not hold`)
      else held.set(k, n - 1)
    }
  }
  if (!oopsed) {
    for (const [k, n] of held) if (n > 0) c.add('locks-released', `${action.op} returned with ${k.split('|').slice(1).join(' ')} held`)
  }
  for (const [id, inode] of Object.entries(before.inodes)) {
    const after = output.state.inodes[id]
    if (!after || after.folios === inode.folios) continue
    for (const e of inode.folios) {
      for (const x of rangeQuery(after.folios, e.start, e.end, FOLIO_LINEAR)) {
        const want = e.value.pfn + (x.start - e.start)
        if (x.value.pfn !== want) {
          c.add('folios-stable', `${action.op}: page ${x.start} of ${id} had pfn 0x${want.toString(16)} and now has 0x${x.value.pfn.toString(16)} without leaving the page cache`)
          break
        }
      }
    }
  }
  if (action.op === 'host_access' && r.signal === null) {
    const addr = big(action.addr)
    for (const s of [before, output.state]) {
      const at = hostPage(s, addr)
      const lent = at ? isLent(s, at.inode, at.index) : null
      if (at && lent) {
        c.add('lent-not-host-reachable', `host_access(0x${addr.toString(16)}) completed on page ${at.index} of ${at.inode}, ${lent}`)
        break
      }
    }
  }
  return c.out
}
