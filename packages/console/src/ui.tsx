import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api';
import { language, t } from './i18n';
import { href } from './router';

/** Loads data when the deps change; reload() loads it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => { if (live) setState({ data, loading: false }); },
      (err) => { if (live) setState({ error: messageOf(err), loading: false }); },
    );
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

export const messageOf = (err: unknown) => (err instanceof ApiError ? err.description : err instanceof Error ? err.message : String(err));

/** Field errors of a form, by field name; '' holds what belongs to no field. */
export type Errors = Record<string, string>;

/**
 * An API error as the form's errors: beside the field the server names (through `fields`,
 * which maps the server's names, or a prefix of them, to the form's), else at the top.
 */
export function apiErrors(err: unknown, fields: Record<string, string> = {}): Errors {
  const message = messageOf(err);
  if (err instanceof ApiError && err.status === 409 && fields['409']) return { [fields['409']]: message };
  const named = err instanceof ApiError ? err.field : undefined;
  if (named) {
    // Beside the field, the field's name in the message says nothing more.
    const bare = message.replace(/^(?:Missing|Invalid|Unknown) field:? [^\s:]+:?\s*/, '');
    const text = bare ? bare[0].toUpperCase() + bare.slice(1) : message;
    if (fields[named]) return { [fields[named]]: text };
    const prefix = Object.keys(fields).find((f) => named.startsWith(`${f}[`) || named.startsWith(`${f}.`));
    if (prefix) return { [fields[prefix]]: text, [named]: text };
    return { [named]: text };
  }
  return { '': message };
}

export function Loading({ what }: { what?: string }) {
  return <p className="muted loading">{t.common.loading(what)}</p>;
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'error'; children: ReactNode }) {
  if (!children) return null;
  return <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>{children}</div>;
}

export function FieldError({ id, error }: { id: string; error?: string }) {
  return error ? <p className="field-error" id={id} role="alert">{error}</p> : null;
}

interface FieldProps {
  label: string;
  name: string;
  hint?: ReactNode;
  error?: string;
}

type InputProps = FieldProps & {
  value: string;
  onChange: (value: string) => void;
  type?: string;
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  autoComplete?: string;
  multiline?: boolean;
};

export function TextField({ label, name, hint, error, value, onChange, type = 'text', multiline, ...rest }: InputProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id, name, value, 'aria-invalid': error ? true : undefined, 'aria-describedby': described,
    className: error ? 'invalid' : undefined, ...rest,
  };
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}{rest.required ? <span className="required" aria-hidden> *</span> : null}</label>
      {multiline
        ? <textarea {...common} rows={2} onChange={(e) => onChange(e.target.value)} />
        : <input {...common} type={type} onChange={(e) => onChange(e.target.value)} />}
      {hint ? <p className="hint" id={`${id}-hint`}>{hint}</p> : null}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

export function SelectField({ label, name, hint, error, value, onChange, options, disabled }: FieldProps & {
  value: string; onChange: (value: string) => void; options: Array<[string, string]>; disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} value={value} disabled={disabled} aria-invalid={error ? true : undefined}
        className={error ? 'invalid' : undefined} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
      {hint ? <p className="hint">{hint}</p> : null}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

export function CheckField({ label, name, hint, error, checked, onChange, disabled }: FieldProps & {
  checked: boolean; onChange: (checked: boolean) => void; disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field check" data-field={name}>
      <input id={id} name={name} type="checkbox" checked={checked} disabled={disabled} aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="hint">{hint}</p> : null}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

/** A button that asks first, in a modal dialog, before doing something that cannot be undone. */
export function ConfirmButton({ label, title, message, confirmLabel, onConfirm, className = 'danger', disabled }: {
  label: string; title: string; message: ReactNode; confirmLabel?: string; onConfirm: () => Promise<void> | void;
  className?: string; disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={className} disabled={disabled} onClick={() => { setError(undefined); dialog.current?.showModal(); }}>{label}</button>
      <dialog ref={dialog} className="confirm" aria-label={title}>
        <h2>{title}</h2>
        <div className="confirm-message">{message}</div>
        <Notice kind="error">{error}</Notice>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>{t.common.cancel}</button>
          <button type="button" className="danger" disabled={busy} onClick={confirm}>{confirmLabel ?? label}</button>
        </div>
      </dialog>
    </>
  );
}

export function Tabs({ base, tabs, current }: { base: string[]; tabs: Array<[string, string]>; current: string }) {
  return (
    <nav className="tabs" aria-label={t.common.tabs}>
      {tabs.map(([id, text]) => (
        <a key={id} href={href(...base, id)} className={id === current ? 'active' : undefined} aria-current={id === current ? 'page' : undefined}>{text}</a>
      ))}
    </nav>
  );
}

/** Runs a form's save: busy while it runs, errors beside fields, a line saying it worked. */
export function useSave() {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState<string>();
  const run = async (work: () => Promise<string | void>, fields?: Record<string, string>, check?: () => Record<string, string | undefined>) => {
    setSaved(undefined);
    const problems = Object.fromEntries(Object.entries(check?.() ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    if (Object.keys(problems).length > 0) {
      setErrors(problems);
      return false;
    }
    setBusy(true);
    setErrors({});
    try {
      setSaved((await work()) || t.common.saved);
      return true;
    } catch (err) {
      setErrors(apiErrors(err, fields));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, saved, setErrors, setSaved, run };
}

/** Editable list of strings (redirect URIs, web origins): one input per entry. */
export function ListField({ label, name, values, onChange, placeholder, hint, errors, addLabel }: {
  label: string; name: string; values: string[]; onChange: (values: string[]) => void; placeholder?: string; hint?: ReactNode;
  errors: Errors; addLabel: string;
}) {
  const id = useId();
  return (
    <fieldset className="list-field" data-field={name}>
      <legend>{label}</legend>
      {hint ? <p className="hint">{hint}</p> : null}
      {values.length === 0 ? <p className="muted">{t.common.noneYet}</p> : null}
      {values.map((value, i) => {
        const error = errors[`${name}[${i}]`];
        return (
          <div className="list-row" key={i} data-field={`${name}[${i}]`}>
            <div className="grow">
              <input aria-label={`${label} ${i + 1}`} value={value} placeholder={placeholder} className={error ? 'invalid' : undefined}
                aria-invalid={error ? true : undefined} onChange={(e) => onChange(values.map((v, k) => (k === i ? e.target.value : v)))} />
              <FieldError id={`${id}-${i}`} error={error} />
            </div>
            <button type="button" className="secondary small" aria-label={t.common.removeNamed(value || t.common.entry)}
              onClick={() => onChange(values.filter((_, k) => k !== i))}>{t.common.remove}</button>
          </div>
        );
      })}
      <FieldError id={`${id}-all`} error={errors[name]} />
      <button type="button" className="secondary small" onClick={() => onChange([...values, ''])}>{addLabel}</button>
    </fieldset>
  );
}

/** A date and time (seconds since the epoch) for humans, in their own time zone. */
export const when = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? '—' : at(seconds * 1000);

/** Milliseconds since the epoch as a short date and time. */
export const at = (ms: number) => new Date(ms).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });

/** A number of seconds as words: 300 → "5 minutes". */
export function duration(seconds: number | undefined): string {
  if (!seconds || !Number.isFinite(seconds)) return '';
  const units = [[86_400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']] as const;
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) return t.common.units[unit](seconds / size);
  }
  return t.common.units.second(seconds);
}

/** Keycloak's built-in names are message keys (${client_admin-cli}): show them as the id they name. */
export const displayName = (name: string | undefined, fallback: string) =>
  !name ? fallback : /^\$\{.*\}$/.test(name) ? fallback : name;
