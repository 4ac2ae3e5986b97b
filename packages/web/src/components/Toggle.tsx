import { useEffect, useState } from 'react';

/** A checkbox that flips at once and saves in the background; it flips back if saving fails. */
export function Toggle({
  label,
  checked,
  disabled,
  onChange,
}: {
  label: string;
  checked: boolean;
  disabled?: boolean;
  onChange: (v: boolean) => Promise<unknown>;
}) {
  const [value, setValue] = useState(checked);
  useEffect(() => setValue(checked), [checked]);
  return (
    <input
      type="checkbox"
      aria-label={label}
      checked={value}
      disabled={disabled}
      onChange={(e) => {
        const v = e.target.checked;
        setValue(v);
        onChange(v).catch(() => setValue(!v));
      }}
    />
  );
}
