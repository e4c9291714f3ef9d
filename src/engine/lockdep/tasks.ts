/**
 * The tasks that run scenario steps, one per simulated CPU. A step's optional "cpu" field (0 or
 * 1) picks the task, so the lock events of two CPUs carry different comms and held-lock stacks.
 */
import { DEFAULT_TASK, type TaskInfo } from '../ctx'

export const CPU_TASKS: readonly TaskInfo[] = [DEFAULT_TASK, { task: 'vmm-cpu1', pid: DEFAULT_TASK.pid + 1, cpu: 1 }]

/** The task for a step's cpu field (absent: CPU 0). */
export function taskForCpu(cpu: unknown): TaskInfo {
  return cpu === 1 ? CPU_TASKS[1]! : CPU_TASKS[0]!
}

/** comm → pid for reports. */
export const TASK_PIDS: Readonly<Record<string, number>> = Object.fromEntries(CPU_TASKS.map((t) => [t.task, t.pid]))
