/**
 * The whole memory view as geometry: GPA lanes (one per VM of the run) on top, file lanes (one per
 * guest_memfd inode of the run) below, binding ribbons between them. Pure: state + frame + width
 * + zoom → shapes. Lanes and domains come from the run's frame, so nothing moves between steps.
 */
import type { KernelState } from '../../../engine'
import type { ConstantTable } from '../../../engine/uapi'
import { addressSpaces, bindingViews, type AddressSpace, type BindingView, type ChangedSpans } from '../../../engine/selectors'
import { layoutFileLane } from './fileLane'
import { layoutGpaLane } from './gpaLane'
import type { RunFrame } from '../../../engine/selectors'
import { METRICS, type Lane } from './lanes'
import { layoutRibbons, type Ribbon } from './ribbons'

export interface MemoryLayout {
  readonly width: number
  readonly height: number
  readonly gpaLanes: readonly Lane[]
  readonly fileLanes: readonly Lane[]
  readonly ribbons: readonly Ribbon[]
}

const NO_CHANGES: ChangedSpans = { files: {}, vms: {} }

/** addressSpaces and bindingViews once per (state, constants): a zoom frame reuses them. */
const perState = new WeakMap<KernelState, { constants: ConstantTable; spaces: Map<string, AddressSpace>; bindings: BindingView[] }>()

function stateViews(state: KernelState, constants: ConstantTable) {
  let v = perState.get(state)
  if (!v || v.constants !== constants) {
    v = { constants, spaces: new Map(addressSpaces(state, constants).map((s) => [s.id, s])), bindings: bindingViews(state, constants) }
    perState.set(state, v)
  }
  return v
}

export function layoutMemory(
  state: KernelState,
  constants: ConstantTable,
  width: number,
  frame: RunFrame,
  zoom: { k: number; x: number } = { k: 1, x: 0 },
  changes: ChangedSpans = NO_CHANGES,
): MemoryLayout {
  let y = 4
  const { spaces, bindings } = stateViews(state, constants)
  const gpaLanes: Lane[] = []
  for (const f of frame.vms) {
    const lane = layoutGpaLane({ id: f.id, space: spaces.get(f.id) ?? null, domain: f.domain, segments: f.segments, y, width, zoom, changed: changes.vms[f.id] ?? [] })
    gpaLanes.push(lane)
    y += lane.height + METRICS.laneGap
  }
  if (gpaLanes.length && frame.inodes.length) y += METRICS.ribbonGap - METRICS.laneGap
  const fileLanes: Lane[] = []
  for (const f of frame.inodes) {
    const lane = layoutFileLane({ state, id: f.id, domain: f.domain, y, width, zoom, changed: changes.files[f.id] ?? [] })
    fileLanes.push(lane)
    y += lane.height + METRICS.laneGap
  }
  return { width, height: y, gpaLanes, fileLanes, ribbons: layoutRibbons(bindings, gpaLanes, fileLanes) }
}
