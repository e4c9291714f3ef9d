/**
 * The whole memory view as geometry: GPA lanes (one per VM) on top, file lanes (one per
 * guest_memfd inode) below, binding ribbons between them. Pure: state + width → shapes.
 */
import type { KernelState } from '../../../engine'
import type { ConstantTable } from '../../../engine/uapi'
import { layoutFileLane } from './fileLane'
import { layoutGpaLane } from './gpaLane'
import { METRICS, type Lane } from './lanes'
import { layoutRibbons, type Ribbon } from './ribbons'

export interface MemoryLayout {
  readonly width: number
  readonly height: number
  readonly gpaLanes: readonly Lane[]
  readonly fileLanes: readonly Lane[]
  readonly ribbons: readonly Ribbon[]
}

export function layoutMemory(state: KernelState, constants: ConstantTable, width: number): MemoryLayout {
  let y = 4
  const gpaLanes: Lane[] = []
  for (const vm of Object.values(state.vms)) {
    const lane = layoutGpaLane(vm, constants, y, width)
    gpaLanes.push(lane)
    y += lane.height + METRICS.laneGap
  }
  const inodes = Object.values(state.inodes)
  if (gpaLanes.length && inodes.length) y += METRICS.ribbonGap - METRICS.laneGap
  const fileLanes: Lane[] = []
  for (const inode of inodes) {
    const lane = layoutFileLane(state, inode, y, width)
    fileLanes.push(lane)
    y += lane.height + METRICS.laneGap
  }
  return { width, height: y, gpaLanes, fileLanes, ribbons: layoutRibbons(state, gpaLanes, fileLanes) }
}
