/**
 * The `gunyah-v17` variant: Gunyah v17 24/35 "Add ioctl to bind guestmem to VMs" (seed 000) with
 * the v17 code it calls: provide/reclaim (20/35), guest_memfd base (23/35), demand paging (28/35).
 */
import { registerConstants } from '../uapi'
import { COMMON_GUNYAH_CONSTANTS } from '../gunyah/constants'
import { GUNYAH_OPS, gunyahFops } from '../gunyah/ops'
import { gunyahGmemReleaseV17 } from '../gunyah/guest_memfd'
import { registerVariant } from './registry'

/** The bugs of seed 000 (and the v17 code it calls) the fixes switch corrects (docs/bugs-gunyah.md). */
export const GUNYAH_V17_BUGS = [
  'B-G17-1', 'B-G17-2', 'B-G17-3', 'B-G17-4', 'B-G17-5', 'B-G17-6', 'B-G17-7', 'B-G17-8', 'B-G17-9',
  'B-G17-10', 'B-G17-11', 'B-G17-12', 'B-G17-13', 'B-G17-14', 'B-G17-15', 'B-G17-16',
] as const

registerConstants('gunyah-v17', COMMON_GUNYAH_CONSTANTS)

registerVariant({
  variant: 'gunyah-v17',
  title: 'Gunyah v17 guest memory bindings (seed 000, with v17 20/23/28 of 35)',
  seed: 'seed 000',
  ops: GUNYAH_OPS,
  fops: gunyahFops(gunyahGmemReleaseV17),
  constants: COMMON_GUNYAH_CONSTANTS,
  bugs: GUNYAH_V17_BUGS,
})
