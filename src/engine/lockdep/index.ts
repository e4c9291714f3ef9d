/** Lockdep: the kernel's lock validator, modelled over the engine's lock events. */
export * from './types'
export { createLockdep, lockdepObserve, resolveOptions, readMode, DEFAULT_IDENT, type ObserveResult } from './check'
export { analyzeRun, type RunAnalysis, type StepLockdep, type RunRecordLike } from './analyze'
export { printedName, usageChars, waitChars, classMeta, FOLIO_LOCK_CLASS } from './classes'
export { exportGraph, findStrongPath, calcDep, depNames, weakCycles, type WeakCycle } from './graph'
export { CPU_TASKS, taskForCpu, TASK_PIDS } from './tasks'
export {
  cpuStreams,
  startMachine,
  advance,
  blockers,
  waitsFor,
  deadlockCycle,
  replaySchedule,
  formatReplay,
  searchInterleavings,
  findDeadlock,
  scheduleOf,
  instKey,
  type StreamEvent,
  type Machine,
  type Outcome,
  type WaitInfo,
  type TraceEntry,
  type Replay,
  type SearchInput,
  type SearchBounds,
  type SearchResult,
} from './interleave'
export { parseSplats, parseSplat, splatInputProblem, MAX_SPLAT_TEXT, MAX_SPLAT_LINES } from './splat/parse'
export type {
  ParsedSplat,
  SplatType,
  ChainEntry,
  HeldLock as SplatHeldLock,
  HeldLocks,
  IrqInfo,
  KernelIdent,
  LabelledTrace,
  LockRef,
  Scenario as SplatScenario,
  ScenarioRow as SplatScenarioRow,
  TaskRef,
} from './splat/types'
