/** Small form controls the dashboard pages share. */
import type { ReactNode } from 'react';

/** A labelled select over `[value, label]` pairs (`inline` puts the label beside it, `hideLabel` leaves it to screen readers); `children` go under it (an error). */
export function Select({
  label,
  value,
  options,
  onChange,
  inline,
  hideLabel,
  children,
}: {
  label: string;
  value: string;
  options: ReadonlyArray<readonly [string, string]>;
  onChange: (v: string) => void;
  inline?: boolean;
  hideLabel?: boolean;
  children?: ReactNode;
}) {
  return (
    <label className={inline ? 'inline' : undefined}>
      {hideLabel ? <span className="sr-only">{label}</span> : label}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      {children}
    </label>
  );
}
