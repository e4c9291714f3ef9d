/**
 * v17 bindings (seed 000 l.250-512): GUNYAH_VM_MAP_MEM adds a binding of a guest memfd range to a
 * VM's gfns, or with GUNYAH_MEM_UNMAP removes or trims one. A binding sits in ghvm->bindings
 * (maple tree by gfn) and at the head of the file's i_private_list, and holds the fget()
 * reference of the ioctl that created it.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EEXIST, EINVAL, ENOENT, ENOMEM } from '../errno'
import { rangeQuery, rangeStore } from '../rangemap'
import type { GunyahBinding, OpenFile } from '../state'
import { fdget, fput, getFile, newId } from '../fs/file_table'
import { shouldFail } from '../mm/filemap'
import {
  bindingText,
  gunyahGuestMemIsLend,
  ghvmOf,
  GHMF_ALLOW_HUGEPAGE,
  GUNYAH_GMEM,
  GUNYAH_MEM_ACCESS_MASK,
  GUNYAH_MEM_ALLOW_RWX,
  GUNYAH_MEM_DEFAULT_ACCESS,
  GUNYAH_MEM_FORCE_LEND,
  GUNYAH_MEM_FORCE_SHARE,
  GUNYAH_MEM_UNMAP,
  inodeOfId,
  isV15,
  kmemleak,
  privateList,
  S000,
  GMEM_SRC,
} from './common'
import { gunyahVmReclaimRange } from './vm_mgr_mem'
import { gunyahGmemAddMappingV15, gunyahGmemRemoveMappingV15 } from './binding_v15'

const L = (n: number | string): string => `${S000} l.${n}`

export interface MapMemArgs {
  readonly guestAddr: bigint
  readonly flags: number
  readonly guestMemFd: bigint
  readonly offset: bigint
  readonly size: bigint
}

/** A binding before it is inserted anywhere (struct gunyah_gmem_binding on the stack or kzalloc'ed). */
export type NewBinding = Omit<GunyahBinding, 'id'>

/** mtree_insert_range(&tree, gfn, gfn + nr - 1, b): -EINVAL if last < first, -EEXIST on any overlap. */
export function mtreeInsertRange(ctx: OpCtx, vmId: string, b: GunyahBinding): number {
  return ctx.call('mtree_insert_range', () => {
    // last = b->gfn + b->nr - 1 in u64: with nr 0 it is below first, except at gfn 0 where it
    // wraps to ULONG_MAX and the entry covers the VM's whole gfn space (lib/maple_tree.c checks
    // only first > last).
    const end = b.nr > 0 ? b.gfn + b.nr : b.gfn === 0 ? Number.MAX_SAFE_INTEGER : -1
    if (end < 0) return ctx.refuse(-EINVAL, 'mtree_insert_range(): last < first (size 0)', 'lib/maple_tree.c')
    if (rangeQuery(ghvmOf(ctx, vmId).bindings, b.gfn, end).length) {
      const tree = isV15(ctx) ? '&ghvm->mem_layout' : '&ghvm->bindings'
      return ctx.refuse(-EEXIST, `mtree_insert_range(${tree}, b->gfn, b->gfn + b->nr - 1): the gfn range is taken`, isV15(ctx) ? 'seed 001 gunyah_gmem_add_mapping' : L(460))
    }
    ctx.s.gunyah.vms[vmId]!.bindings = castDraft(rangeStore(ghvmOf(ctx, vmId).bindings, b.gfn, end, { binding: b.id }))
    const tree = isV15(ctx) ? 'mem_layout' : 'bindings'
    ctx.effect({ kind: 'gunyah-binding', id: b.id }, `inserted: mtree_insert_range(&ghvm->${tree}, 0x${b.gfn.toString(16)}, +${b.nr})`, ctx.cite(ctx.caller))
    return 0
  })
}

/** mtree_erase(&tree, gfn): removes the whole entry containing gfn. */
export function mtreeErase(ctx: OpCtx, vmId: string, gfn: number): void {
  const vm = ghvmOf(ctx, vmId)
  const e = rangeQuery(vm.bindings, gfn, gfn + 1)[0]
  if (!e) return
  const all = vm.bindings.filter((x) => x.value.binding === e.value.binding)
  let tree = vm.bindings
  for (const x of all) tree = rangeStore(tree, x.start, x.end, null)
  ctx.s.gunyah.vms[vmId]!.bindings = castDraft(tree)
  ctx.effect({ kind: 'gunyah-binding', id: e.value.binding }, `erased: mtree_erase(&ghvm->${isV15(ctx) ? 'mem_layout' : 'bindings'}, gfn)`, ctx.cite())
}

/** list_del(&b->i_entry) */
export function listDel(ctx: OpCtx, b: GunyahBinding): void {
  const inode = ctx.s.inodes[b.inode]!
  inode.privateList = inode.privateList.filter((id) => id !== b.id)
  ctx.effect({ kind: 'inode', id: b.inode }, `list_del(&b->i_entry): binding ${b.id} leaves i_private_list`, ctx.cite())
}

/**
 * gunyah_gmem_remove_binding() (seed 000 l.250): reclaim (only WARN on failure, B-G17-12), erase,
 * list_del (without invalidate_lock from VM teardown, B-G17-9), fput, kfree.
 */
export function gunyahGmemRemoveBinding(ctx: OpCtx, b: GunyahBinding): void {
  ctx.call('gunyah_gmem_remove_binding', () => {
    if (gunyahVmReclaimRange(ctx, b.vm, b.gfn, b.nr)) {
      ctx.warn(GMEM_SRC, 'WARN_ON(gunyah_vm_reclaim_range(b->ghvm, b->gfn, b->nr))')
      if (ctx.asWritten('B-G17-12')) ctx.info(`gunyah_guest_mem: binding ${bindingText(b)} is freed although the VM kept some of its folios (B-G17-12)`)
    }
    mtreeErase(ctx, b.vm, b.gfn)
    listDel(ctx, b)
    delete ctx.s.gunyah.bindings[b.id]
    ctx.effect({ kind: 'gunyah-binding', id: b.id }, 'removed: kfree(b) after reclaim, erase and list_del', L(256))
    fput(ctx, b.file)
  })
}

/** gunyah_gmem_page_mask() (seed 000 l.259): HPAGE_PMD_MASK with GHMF_ALLOW_HUGEPAGE, else PAGE_MASK. */
function pageMask(ctx: OpCtx, file: OpenFile): bigint {
  return inodeOfId(ctx, file.inode!).flags & GHMF_ALLOW_HUGEPAGE ? (1n << 21n) - 1n : (1n << 12n) - 1n
}

/**
 * gunyah_gmem_init_binding() (seed 000 l.274, seed 001 same): flags, then guest_addr, offset and
 * size alignment to the file's page size. No bound checks (B-G17-13; the fix adds them).
 */
export function gunyahGmemInitBinding(ctx: OpCtx, vmId: string, file: OpenFile, args: MapMemArgs): NewBinding | number {
  return ctx.call('gunyah_gmem_init_binding', () => {
    const mask = pageMask(ctx, file)
    const cite = isV15(ctx) ? 'seed 001 gunyah_gmem_init_binding' : L(280)
    if (args.flags & ~(GUNYAH_MEM_ALLOW_RWX | GUNYAH_MEM_ACCESS_MASK)) return ctx.refuse(-EINVAL, 'args->flags & ~(GUNYAH_MEM_ALLOW_RWX | GUNYAH_MEM_ACCESS_MASK)', cite)
    const huge = mask !== 4095n ? ' (2 MiB with GHMF_ALLOW_HUGEPAGE)' : ''
    if (args.guestAddr & mask) return ctx.refuse(-EINVAL, `args->guest_addr & page_mask${huge}`, isV15(ctx) ? cite : L(283))
    if (args.offset & mask) return ctx.refuse(-EINVAL, `args->offset & page_mask${huge}`, isV15(ctx) ? cite : L(286))
    if (args.size & mask) return ctx.refuse(-EINVAL, `args->size & page_mask${huge}`, isV15(ctx) ? cite : L(289))
    const iSize = BigInt(inodeOfId(ctx, file.inode!).sizePages) << 12n
    const unbounded = args.offset + args.size > iSize || args.size === 0n || args.guestAddr + args.size > (1n << 64n) - 1n
    if (!isV15(ctx) && unbounded && !ctx.asWritten('B-G17-13')) {
      return ctx.refuse(-EINVAL, 'size == 0 || offset + size > i_size_read(inode) || guest_addr + size overflows (fix of B-G17-13)', L(274))
    }
    return {
      vm: vmId,
      file: file.id,
      inode: file.inode!,
      gfn: Number(args.guestAddr >> 12n),
      iOff: Number(args.offset >> 12n),
      nr: Number(args.size >> 12n),
      flags: args.flags,
      orphan: false,
    }
  })
}

/** mtree_insert_range() after a trim's erase; fails with -ENOMEM under failslab (B-G17-16). */
function reinsertAfterTrim(ctx: OpCtx, b: GunyahBinding, before: GunyahBinding): number {
  if (shouldFail(ctx, 'failslab')) {
    if (ctx.asWritten('B-G17-16')) {
      ctx.s.gunyah.bindings[b.id] = { ...b, orphan: true }
      ctx.effect({ kind: 'gunyah-binding', id: b.id }, 'half-removed: erased from ghvm->bindings, still on i_private_list (B-G17-16)', L(323))
      ctx.info(`gunyah_guest_mem: binding ${bindingText(b)} is erased from ghvm->bindings but stays on i_private_list (B-G17-16)`)
      return ctx.refuse(-ENOMEM, 'mtree_insert_range() failed after mtree_erase(): the binding is left half-removed', L(323))
    }
    ctx.s.gunyah.bindings[b.id] = before
    ctx.effect({ kind: 'gunyah-binding', id: b.id }, 'kept unchanged: the allocation failed before the trim (fix of B-G17-16)', L(323))
    mtreeInsertRange(ctx, b.vm, before)
    return ctx.refuse(-ENOMEM, 'the maple-tree node allocation failed before the binding was changed (fix of B-G17-16)', L(323))
  }
  return mtreeInsertRange(ctx, b.vm, b)
}

/**
 * gunyah_gmem_trim_binding() (seed 000 l.302) under bindings_lock (write): remove all, keep the
 * start, keep the end, or -EINVAL for a hole in the middle. The reclaim passes an end gfn where
 * a count is expected (B-G17-1).
 */
export function gunyahGmemTrimBinding(ctx: OpCtx, b: GunyahBinding, startDelta: number, endDelta: number): number {
  return ctx.call('gunyah_gmem_trim_binding', () => {
    const vmId = b.vm
    ctx.lock('bindingsLock', vmId, 'write')
    let ret: number
    if (!startDelta && !endDelta) {
      ret = gunyahVmReclaimRange(ctx, vmId, b.gfn, b.nr)
      if (!ret) gunyahGmemRemoveBinding(ctx, b)
    } else if (startDelta && !endDelta) {
      // keep the start: l.317 gunyah_vm_reclaim_range(ghvm, b->gfn + start_delta, b->gfn + b->nr)
      const nr = ctx.asWritten('B-G17-1') ? b.gfn + b.nr : b.nr - startDelta
      ret = gunyahVmReclaimRange(ctx, vmId, b.gfn + startDelta, nr)
      if (!ret) {
        mtreeErase(ctx, vmId, b.gfn)
        const next = { ...b, nr: startDelta }
        ctx.s.gunyah.bindings[b.id] = next
        ctx.effect({ kind: 'gunyah-binding', id: b.id }, `trimmed: the end cut, b->nr = ${startDelta}`, L(322))
        ret = reinsertAfterTrim(ctx, next, b)
      }
    } else if (!startDelta && endDelta) {
      // keep the end: l.327 gunyah_vm_reclaim_range(ghvm, b->gfn, b->gfn + b->nr - end_delta)
      const nr = ctx.asWritten('B-G17-1') ? b.gfn + b.nr - endDelta : b.nr - endDelta
      ret = gunyahVmReclaimRange(ctx, vmId, b.gfn, nr)
      if (!ret) {
        mtreeErase(ctx, vmId, b.gfn)
        const cut = b.nr - endDelta
        const next = { ...b, gfn: b.gfn + cut, iOff: b.iOff + cut, nr: endDelta }
        ctx.s.gunyah.bindings[b.id] = next
        ctx.effect({ kind: 'gunyah-binding', id: b.id }, `trimmed: the start cut, b->gfn += ${cut}, b->i_off += ${cut}, b->nr = ${endDelta}`, L(332))
        ret = reinsertAfterTrim(ctx, next, b)
      }
    } else {
      ret = ctx.refuse(-EINVAL, 'start_delta && end_delta: "TODO: split the mapping into 2"', L(338))
    }
    if (ret && !ctx.rule) ctx.because(`gunyah_vm_reclaim_range() failed (${ret}): the binding is kept`, L(312))
    ctx.unlock('bindingsLock', vmId)
    return ret
  })
}

/** gunyah_gmem_remove_mapping() (seed 000 l.347): find the binding containing the range, then trim. */
export function gunyahGmemRemoveMapping(ctx: OpCtx, vmId: string, file: OpenFile, args: MapMemArgs): number {
  return ctx.call('gunyah_gmem_remove_mapping', () => {
    const remove = gunyahGmemInitBinding(ctx, vmId, file, args)
    if (typeof remove === 'number') return remove
    const inodeId = file.inode!
    let ret = -ENOENT
    let found = false
    ctx.lock('invalidateLock', inodeId, 'write')
    for (const b of privateList(ctx, inodeId)) {
      // l.363: b->ghvm != remove.ghvm || b->flags != remove.flags (exact flags, B-G17-18)
      if (b.vm !== remove.vm || b.flags !== remove.flags) continue
      if (b.file !== remove.file) {
        ctx.warn(GMEM_SRC, 'WARN_ON(b->file != remove.file)')
        continue
      }
      if (b.gfn > remove.gfn) continue
      if (b.gfn + b.nr < remove.gfn + remove.nr) continue
      found = true
      const startDelta = remove.gfn - b.gfn
      if (remove.iOff - b.iOff !== startDelta) {
        ret = ctx.refuse(-ENOENT, 'remove.i_off - b->i_off != start_delta: the file offset does not correspond', L(382))
        break
      }
      const endDelta = b.gfn + b.nr - remove.gfn - remove.nr
      ret = gunyahGmemTrimBinding(ctx, b, startDelta, endDelta)
      break
    }
    if (!found) ctx.refuse(-ENOENT, 'no binding of this VM with exactly these flags contains [guest_addr, guest_addr + size)', L(360))
    ctx.unlock('invalidateLock', inodeId)
    return ret
  })
}

/** gunyah_gmem_binding_overlaps() (seed 000 l.394): file-offset ranges, half-open, any VM. */
export function gunyahGmemBindingOverlaps(a: NewBinding, b: GunyahBinding): boolean {
  if (a.file !== b.file) throw new Error('engine bug: BUG_ON(a->file != b->file)')
  if (a.iOff + a.nr <= b.iOff) return false
  if (a.iOff >= b.iOff + b.nr) return false
  return true
}

/** What the add path differs in between the two versions. */
export interface AddMappingVersion {
  /** the bug that leaks `b` on every failure after kzalloc, and the leaked object */
  readonly leakBug: string
  readonly leakObject: string
  /** the overlap rule against an existing binding of the file: 0, or the refusal's errno */
  readonly overlapRefusal: (ctx: OpCtx, b: GunyahBinding, tmp: GunyahBinding) => number
  /** the citation of a line of the add path (seed 000 line numbers for v17) */
  readonly cite: (line: number) => string
}

/**
 * gunyah_gmem_add_mapping(): kzalloc, init, then under invalidate_lock (write) the file-offset
 * overlap walk over i_private_list (-EEXIST) and the gfn insert (-EEXIST from the maple tree); on
 * success the binding goes at the head of the list. Every failure after kzalloc leaks `b`.
 */
export function gunyahGmemAddMappingAs(ctx: OpCtx, vmId: string, file: OpenFile, args: MapMemArgs, v: AddMappingVersion): number {
  return ctx.call('gunyah_gmem_add_mapping', () => {
    if (shouldFail(ctx, 'failslab')) return ctx.refuse(-ENOMEM, 'kzalloc(sizeof(*b)) failed', v.cite(426))
    const leak = (): void => {
      if (ctx.asWritten(v.leakBug)) kmemleak(ctx, v.leakObject)
    }
    const init = gunyahGmemInitBinding(ctx, vmId, file, args)
    if (typeof init === 'number') {
      leak()
      return init
    }
    const b: GunyahBinding = { ...init, id: newId(ctx, 'binding') }
    const inodeId = file.inode!
    ctx.lock('invalidateLock', inodeId, 'write')
    let ret = 0
    for (const tmp of privateList(ctx, inodeId)) {
      ret = v.overlapRefusal(ctx, b, tmp)
      if (ret) break
    }
    if (!ret) {
      ctx.s.gunyah.bindings[b.id] = b
      ret = mtreeInsertRange(ctx, vmId, b)
      if (ret) delete ctx.s.gunyah.bindings[b.id]
      else {
        ctx.s.inodes[inodeId]!.privateList.unshift(b.id) // list_add(): the head
        const how = gunyahGuestMemIsLend(b.flags) ? 'lend' : 'share'
        ctx.effect({ kind: 'gunyah-binding', id: b.id }, `bound: file pages [0x${b.iOff.toString(16)}, +${b.nr}) at gfn 0x${b.gfn.toString(16)} of ${vmId} (${how})`, v.cite(460))
        ctx.effect({ kind: 'inode', id: inodeId }, `list_add(&b->i_entry, &mapping->i_private_list): binding ${b.id}`, v.cite(465))
      }
    }
    if (ret) leak()
    ctx.unlock('invalidateLock', inodeId)
    return ret
  })
}

/**
 * gunyah_gmem_add_mapping() (seed 000 l.418): v17 rejects any file-offset overlap, in any VM
 * (l.450). The direct-map check for lend (l.438) holds in the model (arm64 with rodata=full).
 * Every failure after kzalloc leaks `b` (B-G17-7).
 */
export function gunyahGmemAddMapping(ctx: OpCtx, vmId: string, file: OpenFile, args: MapMemArgs): number {
  return gunyahGmemAddMappingAs(ctx, vmId, file, args, {
    leakBug: 'B-G17-7',
    leakObject: 'struct gunyah_gmem_binding, 64 bytes',
    overlapRefusal: (c, b, tmp) =>
      gunyahGmemBindingOverlaps(b, tmp)
        ? c.refuse(-EEXIST, `gunyah_gmem_binding_overlaps(b, tmp): file pages overlap binding ${bindingText(tmp)} of ${tmp.vm}`, L(450))
        : 0,
    cite: L,
  })
}

/**
 * GUNYAH_VM_MAP_MEM → gunyah_gmem_modify_mapping() (seed 000 l.472) / v15
 * gunyah_gmem_modify_binding(): fget, the argument checks in the patch's order, then remove or
 * add. v17 fputs only on error, so a successful UNMAP leaks the reference (B-G17-8); v15 always fputs.
 */
export function gunyahGmemModifyMapping(ctx: OpCtx, vmId: string, args: MapMemArgs): number {
  const v15 = isV15(ctx)
  return ctx.call(v15 ? 'gunyah_gmem_modify_binding' : 'gunyah_gmem_modify_mapping', () => {
    const cite = (n: number): string => (v15 ? 'seed 001 gunyah_gmem_modify_binding' : L(n))
    const access = args.flags & GUNYAH_MEM_ACCESS_MASK
    const file = fdget(ctx, args.guestMemFd)
    if (!file) return ctx.refuse(-EINVAL, 'fget(args->guest_mem_fd) == NULL', cite(480))
    getFile(ctx, file.id)
    let ret: number
    let unmap = false
    if (file.kind !== GUNYAH_GMEM) ret = ctx.refuse(-EINVAL, 'file->f_op != &gunyah_gmem_fops', cite(483))
    else if (args.flags & ~(GUNYAH_MEM_ALLOW_RWX | GUNYAH_MEM_UNMAP | GUNYAH_MEM_ACCESS_MASK)) {
      ret = ctx.refuse(-EINVAL, 'args->flags & ~(GUNYAH_MEM_ALLOW_RWX | GUNYAH_MEM_UNMAP | GUNYAH_MEM_ACCESS_MASK)', cite(486))
    } else if (!(args.flags & GUNYAH_MEM_ALLOW_RWX)) {
      ret = ctx.refuse(-EINVAL, '!(args->flags & GUNYAH_MEM_ALLOW_RWX): "VM needs to have some permissions to the memory"', cite(490))
    } else if (access !== GUNYAH_MEM_DEFAULT_ACCESS && access !== GUNYAH_MEM_FORCE_LEND && access !== GUNYAH_MEM_FORCE_SHARE) {
      ret = ctx.refuse(-EINVAL, 'access not DEFAULT_ACCESS, FORCE_LEND or FORCE_SHARE', cite(493))
    } else if ((args.guestAddr | args.offset | args.size) & 4095n) {
      ret = ctx.refuse(-EINVAL, '!PAGE_ALIGNED(args->guest_addr) || !PAGE_ALIGNED(args->offset) || !PAGE_ALIGNED(args->size)', cite(497))
    } else if (args.flags & GUNYAH_MEM_UNMAP) {
      unmap = true
      const a = { ...args, flags: args.flags & ~GUNYAH_MEM_UNMAP }
      ret = v15 ? gunyahGmemRemoveMappingV15(ctx, vmId, file, a) : gunyahGmemRemoveMapping(ctx, vmId, file, a)
    } else {
      ret = v15 ? gunyahGmemAddMappingV15(ctx, vmId, file, args) : gunyahGmemAddMapping(ctx, vmId, file, args)
    }
    // v17 err_file: if (ret) fput(file);  v15 err_file: fput(file);
    if (v15 || ret) fput(ctx, file.id)
    else if (unmap && !ctx.asWritten('B-G17-8')) fput(ctx, file.id)
    else if (unmap) ctx.info(`gunyah_guest_mem: the fget() reference of ${file.label || file.id} is never dropped (f_count ${ctx.s.files[file.id]!.fCount}, B-G17-8)`)
    return ret
  })
}

