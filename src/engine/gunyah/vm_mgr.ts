/**
 * The VM side: GUNYAH_CREATE_VM, GUNYAH_VM_START (S8 gunyah_gmem_setup_demand_paging), VM teardown
 * (_gunyah_vm_put, seed 000 l.583-570 / seed 001), and a guest access: the vCPU's stage-2 fault
 * handled by gunyah_gmem_demand_page() (S8), which lends or shares the folio to the VM.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EAGAIN, EHWPOISON, ENOENT, ENOMEM, EPERM } from '../errno'
import { rangeLoad, rangeQuery } from '../rangemap'
import { GUNYAH_MM_LINEAR, type GunyahBinding } from '../state'
import { fdAlloc, newId } from '../fs/file_table'
import {
  bindingOf,
  ghvmOf,
  gpaText,
  gunyahGuestMemIsLend,
  GUNYAH_MEM_ALLOW_WRITE,
  GUNYAH_VM,
  gfnToOff,
  hex,
  isV15,
  MAX_INDEX,
  offToGfn,
  S000,
  S8,
  VM_MGR_SRC,
} from './common'
import { folioUnlock, gunyahGmemGetFolio } from './folio'
import { gunyahVmProvideFolio, gunyahVmReclaimRange } from './vm_mgr_mem'
import { gunyahGmemRemoveBinding } from './binding'
import { gunyahGmemRemoveBindingV15 } from './binding_v15'

/** gunyah_dev_ioctl_create_vm(): a new VM and its fd (O_CLOEXEC). */
export function gunyahDevIoctlCreateVm(ctx: OpCtx, label: string): number {
  return ctx.call('gunyah_dev_ioctl_create_vm', () => {
    const vmId = newId(ctx, 'ghvm')
    const vmid = Object.keys(ctx.s.gunyah.vms).length + 1
    // gunyah_vm_alloc(): kref_init(&ghvm->kref), the reference the VM fd holds
    ctx.s.gunyah.vms[vmId] = { id: vmId, label, vmid, refs: 1, started: false, destroyed: false, bindings: [], mm: [], demandPaging: [] }
    ctx.effect({ kind: 'vm', id: vmId }, 'created: gunyah_vm_alloc(), kref_init (refs 1, the VM fd)', `${ctx.seed} gunyah_vm_alloc`)
    const fileId = newId(ctx, 'file')
    ctx.s.files[fileId] = { id: fileId, kind: GUNYAH_VM, label, fCount: 1, vm: vmId, inode: null, bindings: [], released: false }
    const fd = fdAlloc(ctx, fileId, true)
    ctx.effect({ kind: 'file', id: fileId }, `opened: anon_inode_getfile("gunyah-vm") installed as fd ${fd}`, `${ctx.seed} gunyah_dev_ioctl_create_vm`)
    return fd
  })
}

/** The VM tree's lock: ghvm->bindings_lock (v17) or ghvm->mem_lock (v15). */
const treeLock = (ctx: OpCtx): 'bindingsLock' | 'memLock' => (isV15(ctx) ? 'memLock' : 'bindingsLock')

/**
 * gunyah_gmem_setup_demand_paging() (S8): registers every lend binding with the RM, under the tree
 * lock (read). Bindings added later are never registered (B-G17-19, not modelled further).
 */
function gunyahGmemSetupDemandPaging(ctx: OpCtx, vmId: string): number {
  return ctx.call('gunyah_gmem_setup_demand_paging', () => {
    ctx.lock(treeLock(ctx), vmId, 'read')
    const seen = new Set<string>()
    const ranges: [number, number][] = []
    for (const e of ghvmOf(ctx, vmId).bindings) {
      if (seen.has(e.value.binding)) continue
      seen.add(e.value.binding)
      const b = bindingOf(ctx, e.value.binding)
      if (gunyahGuestMemIsLend(b.flags)) ranges.push([b.gfn, b.nr])
    }
    ctx.s.gunyah.vms[vmId]!.demandPaging = ranges
    ctx.effect({ kind: 'vm', id: vmId }, `lend ranges registered with the RM for demand paging (${ranges.length})`, S8)
    ctx.unlock(treeLock(ctx), vmId)
    return 0
  })
}

/** GUNYAH_VM_START → gunyah_vm_ensure_started(): the first call starts the VM. */
export function gunyahVmEnsureStarted(ctx: OpCtx, vmId: string): number {
  return ctx.call('gunyah_vm_ensure_started', () => {
    if (ghvmOf(ctx, vmId).started) return 0
    return ctx.call('gunyah_vm_start', () => {
      const r = gunyahGmemSetupDemandPaging(ctx, vmId)
      if (r) return r
      ctx.s.gunyah.vms[vmId]!.started = true
      ctx.effect({ kind: 'vm', id: vmId }, 'started: gunyah_vm_start()', S8)
      return 0
    })
  })
}

/** The bindings of the VM tree, in gfn order (mt_for_each). */
function treeBindings(ctx: OpCtx, vmId: string): GunyahBinding[] {
  const ids: string[] = []
  for (const e of ghvmOf(ctx, vmId).bindings) if (!ids.includes(e.value.binding)) ids.push(e.value.binding)
  return ids.map((id) => bindingOf(ctx, id))
}

/**
 * _gunyah_vm_put() (seed 000 l.583): stop the VM, remove every binding under bindings_lock (write)
 * — list_del without invalidate_lock (B-G17-9) — then reclaim everything left: "If this fails,
 * we're going to lose the memory for good". v15: no lock, no reclaim of the bindings.
 */
export function gunyahVmPut(ctx: OpCtx, vmId: string): void {
  ctx.call('_gunyah_vm_put', () => {
    const vm = ghvmOf(ctx, vmId)
    if (vm.started) ctx.call('gunyah_vm_stop', () => undefined)
    ctx.call('gunyah_vm_remove_functions', () => undefined)
    if (isV15(ctx)) {
      const locked = !ctx.asWritten('B-G15-7')
      for (const b of treeBindings(ctx, vmId)) {
        if (locked) {
          ctx.lock('invalidateLock', b.inode, 'write')
          ctx.lock('memLock', vmId, 'write')
        }
        gunyahGmemRemoveBindingV15(ctx, b)
        if (locked) {
          ctx.unlock('memLock', vmId)
          ctx.unlock('invalidateLock', b.inode)
        }
      }
      // gunyah_vm_reclaim_memory(): the VM's memory comes back as the VM is torn down [inferred]
      ctx.call('gunyah_vm_reclaim_memory', () => gunyahVmReclaimRange(ctx, vmId, 0, MAX_INDEX, true))
    } else {
      if (ctx.asWritten('B-G17-9')) {
        ctx.lock('bindingsLock', vmId, 'write')
        for (const b of treeBindings(ctx, vmId)) gunyahGmemRemoveBinding(ctx, b)
        ctx.unlock('bindingsLock', vmId)
      } else {
        // the fix: invalidate_lock (write) → bindings_lock (write) around each unlink
        for (const b of treeBindings(ctx, vmId)) {
          ctx.lock('invalidateLock', b.inode, 'write')
          ctx.lock('bindingsLock', vmId, 'write')
          gunyahGmemRemoveBinding(ctx, b)
          ctx.unlock('bindingsLock', vmId)
          ctx.unlock('invalidateLock', b.inode)
        }
      }
      if (ghvmOf(ctx, vmId).bindings.length) ctx.warn(VM_MGR_SRC, 'WARN_ON(!mtree_empty(&ghvm->bindings))')
      if (gunyahVmReclaimRange(ctx, vmId, 0, MAX_INDEX)) ctx.warn(VM_MGR_SRC, 'WARN_ON(gunyah_vm_reclaim_range(ghvm, 0, U64_MAX))')
      if (ghvmOf(ctx, vmId).mm.length) {
        ctx.warn(VM_MGR_SRC, 'WARN_ON(!mtree_empty(&ghvm->mm))')
        const lost = ghvmOf(ctx, vmId).mm.reduce((n, e) => n + e.end - e.start, 0)
        ctx.err(`gunyah_vm_mgr: ${lost} page(s) stay with the hypervisor: "we're going to lose the memory for good"`)
      }
    }
    const g = ctx.s.gunyah.vms[vmId]!
    const left = g.mm.length ? { start: g.mm[0]!.start, end: g.mm[g.mm.length - 1]!.end } : null
    g.bindings = []
    g.mm = castDraft([])
    g.destroyed = true
    g.started = false
    const src = `${ctx.seed} _gunyah_vm_put`
    if (left) ctx.effect({ kind: 'stage2', vm: vmId, ...left }, "mtree_destroy(&ghvm->mm): what reclaim left is lost to the hypervisor", src)
    ctx.effect({ kind: 'vm', id: vmId }, 'destroyed: _gunyah_vm_put() (the last reference)', src)
  })
}

/**
 * gunyah_gmem_demand_page() (S8): the binding at the gfn (-ENOENT), the write permission (-EPERM),
 * the folio (-ENOMEM), then provide it — lend (PG_private, off the direct map) or share —
 * under invalidate_lock (read). As written it takes bindings_lock → folio lock → invalidate_lock,
 * the reverse of UNMAP (B-G17-10) and of reclaim (B-G17-11). No hwpoison check (B-G17-15).
 */
export function gunyahGmemDemandPage(ctx: OpCtx, vmId: string, gpa: bigint, write: boolean): number {
  return ctx.call('gunyah_gmem_demand_page', () => {
    const v15 = isV15(ctx)
    const gfn0 = Number(gpa >> 12n)
    const lock = treeLock(ctx)
    const load = (): GunyahBinding | null => {
      const e = rangeLoad(ghvmOf(ctx, vmId).bindings, gfn0)
      return e ? bindingOf(ctx, e.binding) : null
    }
    ctx.lock(lock, vmId, 'read')
    let b = load()
    if (!b) {
      ctx.unlock(lock, vmId)
      return ctx.refuse(-ENOENT, 'mtree_load(&ghvm->bindings, gfn) == NULL: no binding at the gfn', S8)
    }
    if (write && !(b.flags & GUNYAH_MEM_ALLOW_WRITE)) {
      ctx.unlock(lock, vmId)
      return ctx.refuse(-EPERM, 'write && !(b->flags & GUNYAH_MEM_ALLOW_WRITE)', S8)
    }
    // The fix of B-G17-10/11: invalidate_lock first, then bindings_lock and the folio lock.
    const abba = !v15 && ctx.asWritten('B-G17-10')
    const folioFirst = !v15 && ctx.asWritten('B-G17-11')
    const fixedOrder = !v15 && !abba && !folioFirst
    if (fixedOrder) {
      const inodeId = b.inode
      ctx.unlock(lock, vmId)
      ctx.lock('invalidateLock', inodeId, 'read')
      ctx.lock(lock, vmId, 'read')
      b = load()
      if (!b || b.inode !== inodeId) {
        ctx.unlock(lock, vmId)
        ctx.unlock('invalidateLock', inodeId)
        return ctx.refuse(-EAGAIN, 'the binding changed while bindings_lock was dropped: retry the fault (fix of B-G17-10)', S8)
      }
    }
    const folio = gunyahGmemGetFolio(ctx, b.inode, gfnToOff(b, gfn0))
    let ret: number
    if (!folio) {
      ctx.err(`gunyah_guest_mem: Failed to obtain memory for guest addr ${gpaText(gfn0)}`)
      ret = ctx.refuse(-ENOMEM, 'gunyah_gmem_get_folio() == NULL', S8)
    } else {
      if (folio.hwpoison && !ctx.asWritten('B-G17-15')) {
        ret = ctx.refuse(-EHWPOISON, 'folio_test_hwpoison(folio): refuse to provide a poisoned folio (fix of B-G17-15)', S000)
      } else {
        if (folio.hwpoison) ctx.err(`gunyah_guest_mem: pfn ${hex(folio.pfn)} is hardware-poisoned and is provided to the guest again (B-G17-15)`)
        // "the folio may not start at the requested guest address. recompute the gfn based on the folio itself."
        const gfn = offToGfn(b, folio.head)
        const invLocked = !v15 && !fixedOrder
        if (invLocked) ctx.lock('invalidateLock', b.inode, 'read')
        ret = gunyahVmProvideFolio(ctx, vmId, folio, gfn, !gunyahGuestMemIsLend(b.flags), !!(b.flags & GUNYAH_MEM_ALLOW_WRITE))
        if (invLocked) ctx.unlock('invalidateLock', b.inode)
        if (ret && ret !== -EAGAIN) ctx.err(`gunyah_guest_mem: Failed to provide folio for guest addr: ${gpaText(gfn0)}: ${ret}`)
      }
      folioUnlock(ctx, folio)
    }
    ctx.unlock(lock, vmId)
    if (fixedOrder) ctx.unlock('invalidateLock', b.inode)
    return ret
  })
}

/**
 * A guest load or store at gpa: if ghvm->mm maps the gfn with enough rights there is no fault;
 * otherwise gunyah_vcpu_run() → gunyah_handle_page_fault() → demand paging. 0 or -EAGAIN resumes
 * the guest; anything else exits to the VMM with page_fault.attempt = ret (S8).
 */
export function gunyahGuestAccess(ctx: OpCtx, vmId: string, gpa: bigint, write: boolean): number {
  return ctx.call('gunyah_vcpu_run', () => {
    const started = gunyahVmEnsureStarted(ctx, vmId)
    if (started) return started
    const gfn = Number(gpa >> 12n)
    const e = rangeQuery(ghvmOf(ctx, vmId).mm, gfn, gfn + 1, GUNYAH_MM_LINEAR)[0]
    if (e && (!write || e.value.write)) return 0
    const ret = ctx.call('gunyah_handle_page_fault', () => gunyahGmemDemandPage(ctx, vmId, gpa, write))
    if (ret && ret !== -EAGAIN) {
      ctx.exit = 'GUNYAH_VCPU_EXIT_PAGE_FAULT'
      ctx.out = { 'page_fault.attempt': ret, 'page_fault.phys_addr': `0x${gpa.toString(16)}` }
    }
    return ret
  })
}
