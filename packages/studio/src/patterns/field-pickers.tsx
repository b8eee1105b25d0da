import { createContext, useContext, type ComponentType, type ReactNode } from 'react';

/** What a generated form hands a picker: the same labelling and error props a text field gets. */
export interface PickerProps {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly description?: string | undefined;
  readonly error?: string | undefined;
  readonly required: boolean;
  readonly value: string;
  readonly onChange: (v: string) => void;
  readonly onBlur: () => void;
}

/**
 * Pickers by field name (a dotted path; `*` stands for any item index, e.g. `ProductionVariants.*.ModelName`).
 * A page wraps a generated form in `FieldPickers` to offer existing resources for a field the schema
 * only knows as a string (a model name, a model artifact), without copying the form.
 */
export type PickerMap = Readonly<Record<string, ComponentType<PickerProps>>>;

const PickerContext = createContext<PickerMap>({});

export function FieldPickers({ pickers, children }: { pickers: PickerMap; children: ReactNode }) {
  return <PickerContext.Provider value={pickers}>{children}</PickerContext.Provider>;
}

/** The pickers the page offered, so a form can add its own to them. */
export function usePickerMap(): PickerMap {
  return useContext(PickerContext);
}

/** The picker for a field, if the page offered one. */
export function usePicker(name: string): ComponentType<PickerProps> | undefined {
  const pickers = useContext(PickerContext);
  return pickers[name] ?? pickers[name.replace(/\.\d+(?=\.|$)/g, '.*')];
}
