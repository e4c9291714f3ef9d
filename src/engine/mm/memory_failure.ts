/**
 * memory_failure() (mm/memory-failure.c) for a page of a guest_memfd: mark it HWPoison, lock it,
 * and call the mapping's error_remove_page, as me_pagecache_clean() does for the clean,
 * unevictable page cache pages guest_memfd has.
 */
import type { OpCtx } from '../ctx'
import { EBUSY, EHWPOISON, EINVAL, ENXIO } from '../errno'
import { rangeLoad, rangeStore } from '../rangemap'
import { FOLIO_LINEAR } from '../state'
import { toPages } from '../u64'
import { fdget } from '../fs/file_table'
import { castDraft } from 'immer'

/** What an address space does with a poisoned page: MF_RECOVERED, MF_DELAYED or MF_FAILED. */
export type ErrorRemovePage = (ctx: OpCtx, inodeId: string, index: number) => 'recovered' | 'delayed' | 'failed'

const MF = 'mm/memory-failure.c'

/**
 * memory_failure on the page at `offset` of the file behind `fd`. Returns 0 when the page was
 * recovered or its handling delayed, -EBUSY when it failed, -EHWPOISON if already poisoned.
 * A simulation stimulus: the fd only locates the page; -EINVAL if it is not a guest_memfd,
 * -ENXIO if no page is allocated there.
 */
export function memoryFailure(ctx: OpCtx, fd: bigint, offset: bigint, errorRemovePage: ErrorRemovePage): number {
  return ctx.call('memory_failure', () => {
    const file = fdget(ctx, fd)
    if (!file || !file.inode) return ctx.refuse(-EINVAL, 'the fd is not a guest_memfd: no page to poison', 'gmemscope stimulus')
    const inodeId = file.inode
    if (offset < 0n) return ctx.refuse(-EINVAL, 'negative offset', 'gmemscope stimulus')
    const index = toPages(offset)
    const inode = ctx.s.inodes[inodeId]!
    const folio = rangeLoad(inode.folios, index, FOLIO_LINEAR)
    if (!folio) return ctx.refuse(-ENXIO, 'no page is allocated at that offset', 'gmemscope stimulus')
    const pfn = `0x${folio.pfn.toString(16)}`
    if (folio.hwpoison) {
      ctx.err(`Memory failure: ${pfn}: already hardware poisoned`)
      return ctx.refuse(-EHWPOISON, 'TestSetPageHWPoison(p): already poisoned', MF)
    }
    inode.folios = castDraft(rangeStore(inode.folios, index, index + 1, { ...folio, hwpoison: true }, FOLIO_LINEAR))
    ctx.effect({ kind: 'folios', inode: inodeId, start: index, end: index + 1 }, 'marked HWPoison by memory_failure (TestSetPageHWPoison)', MF)
    ctx.lock('folioLock', `${inodeId}:${index}`)
    const result = ctx.call('me_pagecache_clean', () => ctx.call('truncate_error_page', () => errorRemovePage(ctx, inodeId, index)))
    ctx.unlock('folioLock', `${inodeId}:${index}`)
    const word = result === 'recovered' ? 'Recovered' : result === 'delayed' ? 'Delayed' : 'Failed'
    ctx.err(`Memory failure: ${pfn}: recovery action for clean unevictable LRU page: ${word}`)
    if (result === 'failed') return ctx.refuse(-EBUSY, 'the recovery action failed (MF_FAILED)', MF)
    return 0
  })
}
