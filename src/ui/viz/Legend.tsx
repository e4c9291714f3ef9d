import { FILLS, type FillKind, type Pattern } from './palette'

const SWATCH = 14

/** SVG pattern defs mirroring the canvas tiles (drawRects.ts), one per fill kind. */
export function PatternDefs({ kinds }: { kinds: readonly FillKind[] }) {
  return (
    <defs>
      {kinds.map((k) => (
        <PatternDef key={k} id={`fill-${k}`} pattern={FILLS[k].pattern} color={FILLS[k].color} />
      ))}
    </defs>
  )
}

function PatternDef({ id, pattern, color }: { id: string; pattern: Pattern; color: string }) {
  return (
    <pattern id={id} width={8} height={8} patternUnits="userSpaceOnUse">
      {pattern === 'solid' && <rect width={8} height={8} fill={color} />}
      {pattern === 'stripes' && (
        <>
          <rect width={8} height={8} fill={color} />
          <path d="M-2,10 L10,-2 M-2,2 L2,-2 M6,10 L10,6" stroke="#fff" strokeWidth={2} />
        </>
      )}
      {pattern === 'backstripes' && (
        <>
          <rect width={8} height={8} fill={color} />
          <path d="M-2,-2 L10,10" stroke="#333" strokeWidth={1.2} />
        </>
      )}
      {pattern === 'vstripes' && (
        <>
          <rect width={8} height={8} fill={color} />
          <path d="M4,0 L4,8" stroke="#fff" strokeWidth={2} />
        </>
      )}
      {pattern === 'crosshatch' && (
        <>
          <rect width={8} height={8} fill={color} />
          <path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" strokeWidth={1.5} />
        </>
      )}
      {pattern === 'dots' && (
        <>
          <rect width={8} height={8} fill={color} fillOpacity={0.35} />
          <circle cx={4} cy={4} r={1.6} fill={color} />
        </>
      )}
      {pattern === 'hollow' && <rect width={8} height={8} fill={color} fillOpacity={0.25} />}
    </pattern>
  )
}

/** One swatch: the fill with its pattern (defs from <Legend>); absent pages are a dashed outline. */
export function Swatch({ kind }: { kind: FillKind }) {
  const style = FILLS[kind]
  const dashed = style.pattern === 'none'
  return (
    <svg width={SWATCH} height={SWATCH} aria-hidden="true" className="swatch">
      <rect
        x={0.5}
        y={0.5}
        width={SWATCH - 1}
        height={SWATCH - 1}
        fill={dashed ? 'none' : `url(#fill-${kind})`}
        stroke={style.color}
        strokeDasharray={dashed ? '3 2' : undefined}
      />
    </svg>
  )
}

const GROUPS: readonly { title: string; kinds: readonly FillKind[] }[] = [
  { title: 'Folios (file offsets)', kinds: ['absent', 'allocated', 'lent', 'shared', 'host-mapped', 'reclaimed', 'poisoned', 'vma'] },
  { title: 'Guest physical addresses', kinds: ['slot-private', 'attr-private', 'attr-shared', 's2-private', 's2-shared', 's2-hva'] },
]

/** The always-visible key: colour AND pattern AND words for each state. */
export function Legend() {
  return (
    <section className="legend" aria-label="Legend">
      <svg width={0} height={0} className="defs" aria-hidden="true">
        <PatternDefs kinds={Object.keys(FILLS) as FillKind[]} />
      </svg>
      {GROUPS.map((g) => (
        <div key={g.title} className="legend-group">
          <span className="legend-title">{g.title}:</span>
          <ul>
            {g.kinds.map((k) => (
              <li key={k}>
                <Swatch kind={k} /> {FILLS[k].label}
              </li>
            ))}
          </ul>
        </div>
      ))}
      <div className="legend-group">
        <span className="legend-title">Bindings:</span>
        <ul>
          <li>
            <svg width={SWATCH} height={SWATCH} aria-hidden="true" className="swatch">
              <rect x={0.5} y={0.5} width={SWATCH - 1} height={SWATCH - 1} className="ribbon" />
            </svg>{' '}
            binding: gfn range ↔ file range (dashed: stale)
          </li>
          <li>
            <svg width={SWATCH} height={SWATCH} aria-hidden="true" className="swatch">
              <rect x={1.5} y={1.5} width={SWATCH - 3} height={SWATCH - 3} className="changed" />
            </svg>{' '}
            changed by this step
          </li>
          <li>
            <svg width={SWATCH} height={SWATCH} aria-hidden="true" className="swatch">
              <rect x={1.5} y={1.5} width={SWATCH - 3} height={SWATCH - 3} className="selected" />
            </svg>{' '}
            selected
          </li>
        </ul>
      </div>
    </section>
  )
}
