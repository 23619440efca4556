/** Form fields the pages share (not in the shell: they name the suite's record types, from the SDK). */
import { RECORD_TYPE_NAMES } from "@miip/sdk";

import { label, useT } from "./i18n.tsx";

/** A labelled field for a whole number (a patient, a record, a programme): digits only, as the chain counts. */
export function IdField(props: { label: string; value: string; onChange(value: string): void; list?: boolean }) {
  return (
    <label>
      {props.label}
      <input
        required
        inputMode="numeric"
        pattern={props.list ? "[0-9]+( *, *[0-9]+)*" : "[0-9]+"}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

/** A labelled choice of the suite's record types (or, with `any`, none in particular), by their names in words. */
export function RecordTypeSelect(props: { label: string; value: string; onChange(value: string): void; any?: string }) {
  const t = useT();
  return (
    <label>
      {props.label}{" "}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.any !== undefined && <option value="">{props.any}</option>}
        {Object.values(RECORD_TYPE_NAMES).map((name) => (
          <option key={name} value={name}>
            {label(t, "type", name)}
          </option>
        ))}
      </select>
    </label>
  );
}
