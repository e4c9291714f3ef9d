import fc from 'fast-check'
import { buildSteps, PROPERTY_VARIANTS, sequenceArb } from './arbitraries'
import { runScenario, validateScenario } from '../../src/engine/scenario'
for (const v of PROPERTY_VARIANTS) {
  const ok = new Map<string, number>(), all = new Map<string, number>()
  let s2 = 0, mm = 0
  for (const abs of fc.sample(sequenceArb(v), { numRuns: 300, seed: 5 })) {
    const p = validateScenario({ format: 'gmemscope/scenario@1', title: 't', variant: v, fixes: true, steps: buildSteps(abs) })
    if (!p.ok) { console.log('INVALID', p.errors[0]); continue }
    const out = runScenario(p.scenario, { keepStates: true })
    for (const r of out.records) { all.set(r.step.op, (all.get(r.step.op) ?? 0) + 1); if (!r.result.errno && !r.result.signal) ok.set(r.step.op, (ok.get(r.step.op) ?? 0) + 1) }
    if (out.states.some((s) => Object.values(s.vms).some((vm) => vm.stage2.length))) s2++
    if (out.states.some((s) => Object.values(s.gunyah.vms).some((vm) => vm.mm.length))) mm++
  }
  console.log(v, 'seqs with stage2', s2, 'with mm', mm, [...all].map(([k, n]) => `${k}:${ok.get(k) ?? 0}/${n}`).join(' '))
}
