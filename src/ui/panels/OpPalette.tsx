import { useId, useMemo, useState } from 'react'
import { variantDef, type Variant } from '../../engine'
import { fieldsFor, OP_SPECS, type FieldSpec } from '../../engine/scenario'
import { useAppStore, useAppStoreApi } from '../../store'
import { buildStep, initialValue, knownNames, variantOps, type FieldValue } from './opForm'

function Field({ f, value, onChange, group, names }: { f: FieldSpec; value: FieldValue; onChange: (v: FieldValue) => void; group: Record<string, number>; names: string[] }) {
  const id = useId()
  const help = f.help ?? `${f.kind}${f.default !== undefined ? ` (default ${JSON.stringify(f.default)})` : ' (required)'}`
  if (f.kind === 'bool') {
    return (
      <label className="field bool" title={help}>
        <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} /> {f.name}
      </label>
    )
  }
  if (f.kind === 'flags') {
    const set = new Set(value as readonly string[])
    return (
      <fieldset className="field flags">
        <legend>{f.name}</legend>
        {Object.keys(group).map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={set.has(name)}
              onChange={(e) => onChange(e.target.checked ? [...set, name] : [...set].filter((n) => n !== name))}
            />{' '}
            {name}
          </label>
        ))}
      </fieldset>
    )
  }
  if (f.kind === 'enum') {
    return (
      <div className="field">
        <label htmlFor={id}>{f.name}</label>
        <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {f.values?.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </div>
    )
  }
  return (
    <div className="field">
      <label htmlFor={id}>{f.name}</label>
      <input id={id} list={names.length ? `${id}-names` : undefined} value={String(value)} placeholder={f.hex ? '0x…' : ''} title={help} onChange={(e) => onChange(e.target.value)} spellCheck={false} />
      {names.length > 0 && (
        <datalist id={`${id}-names`}>
          {names.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      )}
    </div>
  )
}

/** A form for every op of the scenario's variant: appends the step to the scenario and re-runs. */
export function OpPalette() {
  const id = useId()
  const store = useAppStoreApi()
  const scenario = useAppStore((s) => s.scenario)
  const variant = scenario?.variant ?? ''
  const ops = useMemo(() => variantOps(variant), [variant])
  const [op, setOp] = useState('')
  const current = ops.includes(op) ? op : (ops[0] ?? '')
  const spec = OP_SPECS[current]
  const [values, setValues] = useState<Record<string, FieldValue>>({})
  const [as, setAs] = useState('')
  const [note, setNote] = useState('')
  const [cpu, setCpu] = useState(0)
  const [errors, setErrors] = useState<string[]>([])
  const names = knownNames(scenario)
  if (!scenario || !spec) return <p className="none">Load a scenario to add operations.</p>
  const constants = variantDef(variant as Variant).constants
  return (
    <form
      className="op-palette"
      aria-label="Operation palette"
      onSubmit={(e) => {
        e.preventDefault()
        const errs = store.getState().appendStep(buildStep(current, values, { as, note, cpu }, variant))
        setErrors(errs)
        if (!errs.length) setAs('')
      }}
    >
      <div className="field">
        <label htmlFor={id}>Operation</label>
        <select
          id={id}
          value={current}
          onChange={(e) => {
            setOp(e.target.value)
            setValues({})
            setErrors([])
          }}
        >
          {ops.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </div>
      <p className="help">{spec.help}</p>
      {fieldsFor(current, variant).map((f) => (
        <Field
          key={`${current}.${f.name}`}
          f={f}
          value={values[f.name] ?? initialValue(f)}
          onChange={(v) => setValues({ ...values, [f.name]: v })}
          group={constants[f.group ?? ''] ?? {}}
          names={f.kind === 'fd' ? names.fd : f.kind === 'map' ? names.map : []}
        />
      ))}
      {spec.creates && (
        <div className="field">
          <label htmlFor={`${id}-as`}>as (name)</label>
          <input id={`${id}-as`} value={as} onChange={(e) => setAs(e.target.value)} spellCheck={false} />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-cpu`}>CPU</label>
        <select id={`${id}-cpu`} value={cpu} onChange={(e) => setCpu(Number(e.target.value))}>
          <option value={0}>0</option>
          <option value={1}>1</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>note</label>
        <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <div className="buttons">
        <button type="submit">Append step</button>
        <button type="button" disabled={!scenario.steps.length} onClick={() => store.getState().dropLastStep()}>
          Remove last step
        </button>
      </div>
      {errors.length > 0 && (
        <ul className="form-errors" role="alert" aria-label="Step errors">
          {errors.map((e) => (
            <li key={e}>
              <code>{e}</code>
            </li>
          ))}
        </ul>
      )}
    </form>
  )
}
