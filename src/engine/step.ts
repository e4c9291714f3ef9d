/**
 * The reducer: step(state, action) → { state, result }.
 *
 * Pure: the input state is never mutated (Immer drafts), the same input gives the same output,
 * and everything that happened comes back as data. A kernel oops ends the step early: its
 * changes so far are kept, the kernel is tainted, and the task is reported killed.
 */
import { createDraft, finishDraft } from 'immer'
import type { Action } from './actions'
import { DEFAULT_TASK, OpCtx, type TaskInfo } from './ctx'
import { ENOTTY } from './errno'
import { KernelOops } from './oops'
import { changedEffects } from './effects'
import type { StepResult } from './result'
import type { KernelState } from './state'
import { variantDef } from './variants/registry'
import './variants/all'

export interface StepOutput {
  readonly state: KernelState
  readonly result: StepResult
}

export function step(state: KernelState, action: Action, task: TaskInfo = DEFAULT_TASK): StepOutput {
  const def = variantDef(state.variant)
  const draft = createDraft(state)
  const ctx = new OpCtx(draft, def.seed, task)
  let ret: number
  let oops: string | null = null
  try {
    const handler = def.ops[action.op]
    ret = handler ? handler(ctx, action) : ctx.refuse(-ENOTTY, `${action.op} does not exist in ${def.variant}`)
    if (ctx.held.length === 0) ctx.runTaskWork()
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e
    oops = e.text
    ret = -1
  }
  if (oops !== null) {
    ctx.bug(oops)
    if (ctx.held.length) ctx.bug(`locks held by ${task.task}/${task.pid} at the oops: ${ctx.held.map((h) => h.cls).join(', ')}`)
    ctx.bug(`Fixing recursive fault but reboot is needed! (${task.task} killed)`)
    draft.taint.push(oops)
    ctx.effects.push({ fn: 'oops_end', what: `tainted (TAINT_DIE): ${oops}`, seed: 'arch/x86/kernel/dumpstack.c oops_end', object: { kind: 'kernel', field: 'taint' } })
    ctx.signal = 'SIGKILL'
  } else if (ctx.held.length) {
    throw new Error(`engine bug: ${action.op} returned with locks held: ${ctx.held.map((h) => h.cls).join(', ')}`)
  }
  draft.tick++
  const next = finishDraft(draft) as KernelState
  const failed = oops === null && ret < 0 && ret > -4096
  return {
    state: next,
    result: {
      ret: oops !== null ? -1 : failed ? -1 : ret,
      errno: failed ? ctx.errnoName(ret) : null,
      signal: ctx.signal,
      exit: ctx.exit,
      out: ctx.out,
      log: ctx.log,
      locks: ctx.locks,
      rule: ctx.rule,
      bugs: ctx.bugs,
      effects: changedEffects(state, next, ctx.effects),
    },
  }
}
