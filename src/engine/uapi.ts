/**
 * uapi constants by variant: the names a scenario may use for flag and mode fields, and their
 * values. Seed 002 (KVM RFC v11) defines the KVM_MEM_* and guest_memfd values; the rest are the
 * Linux uapi of the time (linux/falloc.h, asm-generic/mman-common.h).
 */
import type { Variant } from './state'

export const KVM_X86_DEFAULT_VM = 0
export const KVM_X86_SW_PROTECTED_VM = 1

// seed 002: include/uapi/linux/kvm.h
export const KVM_MEM_LOG_DIRTY_PAGES = 1 << 0
export const KVM_MEM_READONLY = 1 << 1
export const KVM_MEM_PRIVATE = 1 << 2

export const KVM_MEMORY_ATTRIBUTE_PRIVATE = 1 << 3

// seed 003: struct kvm_memory_mapping flags
export const KVM_MEMORY_MAPPING_FLAG_WRITE = 1 << 0
export const KVM_MEMORY_MAPPING_FLAG_EXEC = 1 << 1
export const KVM_MEMORY_MAPPING_FLAG_USER = 1 << 2
export const KVM_MEMORY_MAPPING_FLAG_PRIVATE = 1 << 3

// include/uapi/linux/falloc.h
export const FALLOC_FL_KEEP_SIZE = 0x01
export const FALLOC_FL_PUNCH_HOLE = 0x02
export const FALLOC_FL_NO_HIDE_STALE = 0x04
export const FALLOC_FL_COLLAPSE_RANGE = 0x08
export const FALLOC_FL_ZERO_RANGE = 0x10
export const FALLOC_FL_INSERT_RANGE = 0x20
export const FALLOC_FL_UNSHARE_RANGE = 0x40
export const FALLOC_FL_SUPPORTED_MASK = 0x7f

// asm-generic/mman-common.h
export const PROT_READ = 0x1
export const PROT_WRITE = 0x2
export const PROT_EXEC = 0x4
export const MAP_SHARED = 0x01
export const MAP_PRIVATE = 0x02
export const MAP_FIXED = 0x10
export const MAP_ANONYMOUS = 0x20

/** Every named constant, grouped by the field kinds that accept it. */
export interface ConstantTable {
  readonly [group: string]: Readonly<Record<string, number>>
}

/** The syscall constants every variant's scenarios may name. */
export const COMMON_CONSTANTS: ConstantTable = {
  fallocate: {
    FALLOC_FL_KEEP_SIZE,
    FALLOC_FL_PUNCH_HOLE,
    FALLOC_FL_NO_HIDE_STALE,
    FALLOC_FL_COLLAPSE_RANGE,
    FALLOC_FL_ZERO_RANGE,
    FALLOC_FL_INSERT_RANGE,
    FALLOC_FL_UNSHARE_RANGE,
  },
  prot: { PROT_NONE: 0, PROT_READ, PROT_WRITE, PROT_EXEC },
  mmap: { MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS },
}

const KVM_V11: ConstantTable = {
  ...COMMON_CONSTANTS,
  vmType: { KVM_X86_DEFAULT_VM, KVM_X86_SW_PROTECTED_VM },
  gmemFlags: {},
  memslotFlags: { KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY, KVM_MEM_PRIVATE },
  memAttributes: { KVM_MEMORY_ATTRIBUTE_PRIVATE },
  mapMemoryFlags: {
    KVM_MEMORY_MAPPING_FLAG_WRITE,
    KVM_MEMORY_MAPPING_FLAG_EXEC,
    KVM_MEMORY_MAPPING_FLAG_USER,
    KVM_MEMORY_MAPPING_FLAG_PRIVATE,
  },
}

const TABLES: Partial<Record<Variant, ConstantTable>> = { 'kvm-v11': KVM_V11 }

/** The constants a variant's scenarios may name. */
export function constantsOf(variant: Variant): ConstantTable {
  return TABLES[variant] ?? COMMON_CONSTANTS
}

/** Registers a variant's table (variants live in their own modules). */
export function registerConstants(variant: Variant, table: ConstantTable): void {
  TABLES[variant] = table
}

/** Renders a flag value as `A|B|0x40` using a group's names, as strace does. */
export function flagNames(value: number | bigint, group: Readonly<Record<string, number>>): string {
  let v = BigInt(value)
  if (v === 0n) {
    const zero = Object.entries(group).find(([, n]) => n === 0)
    return zero ? zero[0] : '0'
  }
  const parts: string[] = []
  for (const [name, bit] of Object.entries(group)) {
    const b = BigInt(bit)
    if (b !== 0n && (v & b) === b) {
      parts.push(name)
      v &= ~b
    }
  }
  if (v !== 0n) parts.push(`0x${v.toString(16)}`)
  return parts.join('|')
}
