/**
 * Every variant the engine ships. Importing this module registers them all; step() and the
 * scenario validator import it, so either works on its own.
 */
import './kvm_v11'
import './kvm_upstream'
import './kvm_v14_mmap'
import './gunyah_v17'
import './gunyah_v15'
