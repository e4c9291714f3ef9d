/**
 * A kernel oops or BUG(): the running syscall never returns. The engine unwinds the step with
 * this exception; step() records the log line, taints the kernel and reports SIGKILL for the
 * task, keeping every change made before the oops (and any lock still held stays in the log).
 */
export class KernelOops extends Error {
  constructor(readonly text: string) {
    super(text)
    this.name = 'KernelOops'
  }
}
