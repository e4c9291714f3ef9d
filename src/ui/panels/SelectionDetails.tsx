import { useMemo } from 'react'
import type { KernelState } from '../../engine'
import { addressSpaces, bindingViews, folioAt } from '../../engine/selectors'
import { selectConstants, useAppStore, useAppStoreApi, type Selection } from '../../store'
import { selectLastChangeOf } from '../../store/derived'
import type { ConstantTable } from '../../engine/uapi'
import { hex } from '../viz/layout/scale'

/** The fields of what a selection points at in one state (every field, as the engine holds it). */
export function selectionFields(s: KernelState, sel: Selection, constants: ConstantTable): Record<string, string> | null {
  switch (sel.kind) {
    case 'folio': {
      const e = folioAt(s, sel.inode, sel.page)
      if (!e) return null
      const raw = s.inodes[sel.inode]?.folios.find((f) => f.start <= sel.page && sel.page < f.end)
      const g = s.gunyah?.pages?.[sel.inode]?.find((f) => f.start <= sel.page && sel.page < f.end)
      const out: Record<string, string> = {
        page: hex(sel.page),
        'file offset': hex(sel.page * 4096),
        state: e.state,
        host: e.host,
        guests: e.guests.join(', ') || '—',
        pfn: e.pfn === null ? '—' : hex(e.pfn),
        order: e.order === null ? '—' : String(e.order),
      }
      if (raw) for (const [k, v] of Object.entries(raw.value)) if (k !== 'pfn' && k !== 'order') out[`folio.${k}`] = String(v)
      if (g) for (const [k, v] of Object.entries(g.value)) out[`gunyah.${k}`] = String(v)
      return out
    }
    case 'gfn': {
      const sp = addressSpaces(s, constants).find((x) => x.id === sel.vm)
      if (!sp) return null
      const region = sp.regions.find((r) => r.start <= sel.gfn && sel.gfn < r.end)
      const map = sp.mappings.find((m) => m.start <= sel.gfn && sel.gfn < m.end)
      return {
        vm: sp.label,
        gfn: hex(sel.gfn),
        gpa: hex(sel.gfn * 4096),
        region: region ? `${region.label} [${hex(region.start)}, ${hex(region.end)}) ${region.flags}` : '—',
        'stage 2': map ? `${map.kind}${map.writable ? ', writable' : ', read-only'}` : 'not mapped',
        attribute: sp.hasAttributes ? (sp.privateAttr.some((a) => a.start <= sel.gfn && sel.gfn < a.end) ? 'private' : 'shared') : '—',
      }
    }
    case 'binding': {
      const b = bindingViews(s, constants).find((x) => x.id === sel.id)
      if (!b) return null
      return {
        binding: b.owner,
        file: b.fileLabel,
        gfns: `[${hex(b.gfn[0])}, ${hex(b.gfn[1])})`,
        'file pages': `[${hex(b.pages[0])}, ${hex(b.pages[1])})`,
        access: b.access,
        rwx: b.rwx,
        flags: b.flags,
        stale: String(b.stale),
      }
    }
    case 'lock':
      return { class: sel.cls }
  }
}

function title(sel: Selection): string {
  switch (sel.kind) {
    case 'folio':
      return `Page ${hex(sel.page)}`
    case 'gfn':
      return `gfn ${hex(sel.gfn)}`
    case 'binding':
      return 'Binding'
    case 'lock':
      return `Lock ${sel.cls}`
  }
}

/** Every field of the hovered (else selected) object, and the step that last changed it with its rule. */
export function SelectionDetails() {
  const store = useAppStoreApi()
  const hovered = useAppStore((s) => s.hovered)
  const selected = useAppStore((s) => s.selection)
  const run = useAppStore((s) => s.run)
  const cursor = useAppStore((s) => s.cursor)
  const constants = useAppStore(selectConstants)
  const sel = hovered ?? selected
  const info = useMemo(() => {
    if (!sel || !run) return null
    const state = run.states[cursor]
    if (!state) return null
    const fields = selectionFields(state, sel, constants)
    // the run's effect index: a binary search to the cursor, not a walk over every state
    const changed = selectLastChangeOf(store.getState(), sel)
    return { fields, changed, record: changed ? run.records[changed.step - 1] : undefined }
    // store.getState() reads the same run and cursor as the subscriptions above
  }, [sel, run, cursor, constants, store])
  if (!sel || !info) return <p className="hint">Click a page, a gfn or a binding ribbon (or hover one) to see its fields here.</p>
  const { changed, record } = info
  return (
    <section className="selection-details" aria-label="Selection">
      <h3>
        {hovered ? 'Hovered' : 'Selected'}: {title(sel)}
      </h3>
      {info.fields ? (
        <dl className="fields">
          {Object.entries(info.fields).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="none">Does not exist at this step.</p>
      )}
      <div className="last-change" aria-label="Last changed">
        {changed && record ? (
          <>
            <p>
              {sel.kind === 'lock' ? 'Last taken or released by ' : 'Last changed by '}
              <button type="button" className="link" onClick={() => store.getState().jumpTo(changed.step)}>
                step {changed.step}: {record.step.op}
              </button>
            </p>
            {changed.effects.length > 0 && (
              <ul className="effects">
                {changed.effects.map((e, i) => (
                  <li key={i}>
                    <code>{e.fn}</code>: {e.what} <cite>[{e.seed}]</cite>
                  </li>
                ))}
              </ul>
            )}
            {changed.locks.length > 0 && (
              <ul className="effects">
                {dedupe(changed.locks.map((l) => `${l.kind} in ${l.fn} (${l.instance})`)).map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
            )}
          </>
        ) : (
          <p>{sel.kind === 'lock' ? 'Not taken by any step up to here.' : 'Unchanged since the initial state.'}</p>
        )}
      </div>
      {selected && !hovered && (
        <button type="button" onClick={() => store.getState().select(null)}>
          Clear selection
        </button>
      )}
    </section>
  )
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)]
}
