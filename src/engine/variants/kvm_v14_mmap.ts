/**
 * The `kvm-v14-mmap` variant: seed 004 (KVM v14 08/21, "Allow host to map guest_memfd pages") on
 * the merged guest_memfd of mid-2025. GUEST_MEMFD_FLAG_MMAP (valid where
 * kvm_arch_supports_gmem_mmap(): x86 KVM_X86_DEFAULT_VM), mmap MAP_SHARED only (-ENODEV without
 * the flag), host faults (SIGBUS past EOF, WARN + SIGBUS for a large folio) with no shared/private
 * check: "shared" is implied by the flag (B-F1, which 6.18 fixed with GUEST_MEMFD_FLAG_INIT_SHARED).
 * Everything else is the kvm-upstream code; kvm_upstream/ decides the differences by variant.
 */
import { KVM_V14_CONSTANTS } from '../kvm_upstream/uapi'
import { registerKvmUpstreamLike } from './kvm_upstream'

registerKvmUpstreamLike('kvm-v14-mmap', 'KVM v14 host mmap of guest_memfd (seed 004, mid-2025)', 'seed 004', KVM_V14_CONSTANTS)
