/**
 * The action handlers and file operations both Gunyah variants share: each action goes to the
 * kernel entry point that handles it (/dev/gunyah ioctls, VM ioctls, the VFS, the vCPU).
 */
import type { OpCtx } from '../ctx'
import type { Action } from '../actions'
import type { FileOps } from '../fs/file_table'
import { asLoff, asU32, asU64, big } from '../u64'
import { memoryFailure, type ErrorRemovePage } from '../mm/memory_failure'
import { truncateInodePagesRange } from '../mm/filemap'
import type { Handler } from '../variants/registry'
import { COMMON_MM, COMMON_SYSCALLS, on, withVmOf } from '../variants/handlers'
import { folioAt, GUNYAH_GMEM, GUNYAH_VM, isV15, setPages } from './common'
import { unmapMappingPages } from './folio'
import { gunyahGmemFallocate, gunyahGmemHostFault, gunyahGmemMmap, gunyahGuestMemCreate } from './guest_memfd'
import { gunyahGmemModifyMapping } from './binding'
import { gunyahV15ReclaimFileRange } from './binding_v15'
import { gunyahGmemReleaseFolio, gunyahGmemRemoveFolio } from './launder'
import { gunyahDevIoctlCreateVm, gunyahGuestAccess, gunyahVmEnsureStarted, gunyahVmPut } from './vm_mgr'

const withVm = withVmOf(GUNYAH_VM, 'Gunyah VM')

/**
 * ->error_remove_folio for memory_failure. v17 (seed 000 l.218): gunyah_gmem_remove_folio()
 * launders, then truncate_error_folio() calls filemap_release_folio() (launder again); the folio
 * stays in the page cache. v15: generic_error_remove_folio() truncates the folio, no reclaim.
 */
const errorRemoveFolio: ErrorRemovePage = (ctx, inodeId, index) => {
  const f = folioAt(ctx, inodeId, index)!
  const seg = { start: f.head, end: f.head + f.nr, nr: f.nr }
  if (isV15(ctx)) {
    return ctx.call('generic_error_remove_folio', () => {
      if (gunyahV15ReclaimFileRange(ctx, inodeId, seg.start, seg.end)) return 'failed'
      unmapMappingPages(ctx, inodeId, seg.start, seg.end)
      truncateInodePagesRange(ctx, inodeId, seg.start, seg.end, 'truncate_inode_folio')
      setPages(ctx, inodeId, seg.start, seg.end, null)
      return 'recovered'
    })
  }
  if (gunyahGmemRemoveFolio(ctx, inodeId, seg)) return 'failed'
  return ctx.call('filemap_release_folio', () => (gunyahGmemReleaseFolio(ctx, inodeId, seg) ? 'recovered' : 'failed'))
}

export const GUNYAH_OPS = {
  GUNYAH_CREATE_VM: on<'GUNYAH_CREATE_VM'>((ctx, a) => gunyahDevIoctlCreateVm(ctx, a.label ?? '')),
  GUNYAH_CREATE_GUEST_MEM: on<'GUNYAH_CREATE_GUEST_MEM'>((ctx, a) => gunyahGuestMemCreate(ctx, asU64(a.size), asU64(a.flags), a.label ?? '')),
  GUNYAH_VM_MAP_MEM: on<'GUNYAH_VM_MAP_MEM'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) =>
      ctx.call('gunyah_vm_ioctl', () =>
        gunyahGmemModifyMapping(ctx, vm, {
          guestAddr: asU64(a.guest_addr),
          flags: Number(asU32(a.flags)),
          guestMemFd: asU32(a.guest_mem_fd),
          offset: asU64(a.offset),
          size: asU64(a.size),
        }),
      ),
    ),
  ),
  GUNYAH_VM_START: on<'GUNYAH_VM_START'>((ctx, a) => withVm(ctx, big(a.vm), (vm) => gunyahVmEnsureStarted(ctx, vm))),
  ...COMMON_SYSCALLS,
  ...COMMON_MM,
  guest_access: on<'guest_access'>((ctx, a) => withVm(ctx, big(a.vm), (vm) => gunyahGuestAccess(ctx, vm, asU64(a.gpa), a.write))),
  memory_failure: on<'memory_failure'>((ctx, a) => memoryFailure(ctx, big(a.fd), asLoff(a.offset), errorRemoveFolio)),
  inject: on<'inject'>((ctx, a) => {
    if (a.kind !== 'reclaim_fails') return COMMON_SYSCALLS.inject(ctx, a)
    return withVm(ctx, big(a.vm ?? 0), (vm) => {
      const gfn = Number(asU64(a.gpa ?? 0) >> 12n)
      ctx.s.gunyah.reclaimFails.push(`${vm}:${gfn}`)
      ctx.call('gmemscope_inject', () =>
        ctx.effect({ kind: 'kernel', field: 'reclaimFails' }, `armed: the hypervisor will refuse to give back gfn 0x${gfn.toString(16)} of ${vm}`, 'gmemscope fault injection'),
      )
      ctx.info(`FAULT_INJECTION: the hypervisor refuses to give back gfn 0x${gfn.toString(16)} of ${vm} (GUNYAH_ERROR_DENIED)`)
      return 0
    })
  }),
} satisfies Partial<Record<Action['op'], Handler>>

/** f_op of the Gunyah files; `release` differs between v15 and v17. */
export function gunyahFops(release: (ctx: OpCtx, fileId: string) => void): Record<string, FileOps> {
  return {
    [GUNYAH_GMEM]: { regular: true, release, fallocate: gunyahGmemFallocate, mmap: gunyahGmemMmap, fault: gunyahGmemHostFault },
    // gunyah_vm_release() → gunyah_vm_put() → _gunyah_vm_put() (the last reference)
    [GUNYAH_VM]: {
      regular: false,
      release: (ctx, fileId) =>
        ctx.call('gunyah_vm_release', () => {
          // gunyah_vm_put(): kref_put(&ghvm->kref, _gunyah_vm_put) — the VM fd's reference
          const vmId = ctx.s.files[fileId]!.vm
          const vm = ctx.s.gunyah.vms[vmId]!
          const refs = (vm.refs ?? 1) - 1
          vm.refs = refs
          ctx.effect({ kind: 'vm', id: vmId }, `gunyah_vm_put(): kref_put drops the VM fd's reference (refs ${refs})`, `${ctx.seed} gunyah_vm_release`)
          if (refs === 0) gunyahVmPut(ctx, vmId)
        }),
    },
  }
}
