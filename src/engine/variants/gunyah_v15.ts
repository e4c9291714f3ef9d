/**
 * The `gunyah-v15` variant: Gunyah RFC v15 21/30 "Add ioctl to bind guestmem to VMs" (seed 001).
 * Mmap, host fault, punch hole and error_remove are the guest_memfd base (assumed equal to v17
 * 23/35, semantics.md CR-G6); demand paging as v17 28/35 but under mem_lock.
 */
import { registerConstants } from '../uapi'
import { COMMON_GUNYAH_CONSTANTS } from '../gunyah/constants'
import { GUNYAH_OPS, gunyahFops } from '../gunyah/ops'
import { gunyahGmemReleaseV15 } from '../gunyah/binding_v15'
import { registerVariant } from './registry'

/** The bugs of seed 001 the fixes switch corrects (docs/bugs-gunyah.md). B-G15-8 is benign. */
export const GUNYAH_V15_BUGS = ['B-G15-1', 'B-G15-2', 'B-G15-3', 'B-G15-4', 'B-G15-5', 'B-G15-6', 'B-G15-7', 'B-G15-9'] as const

registerConstants('gunyah-v15', COMMON_GUNYAH_CONSTANTS)

registerVariant({
  variant: 'gunyah-v15',
  title: 'Gunyah RFC v15 guest memory bindings (seed 001)',
  seed: 'seed 001',
  ops: GUNYAH_OPS,
  fops: gunyahFops(gunyahGmemReleaseV15),
  constants: COMMON_GUNYAH_CONSTANTS,
  bugs: GUNYAH_V15_BUGS,
})
