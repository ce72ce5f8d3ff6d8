"use client";
// The fields of a saved view, for saving one from the timeline and editing one on /views: its
// name, personal or shared, and "use as detection" with a severity and a MITRE ATT&CK technique.
import { useId } from "react";
import { SEVERITIES, type Severity } from "../../lib/detections/types";
import { inputClass } from "../access/styles";

export interface ViewDraft {
  name: string;
  shared: boolean;
  detection: boolean;
  severity: Severity;
  technique: string;
}

export const EMPTY_DRAFT: ViewDraft = { name: "", shared: false, detection: false, severity: "medium", technique: "" };

/** The draft as the API takes it (POST/PATCH /api/views). */
export function draftBody(d: ViewDraft) {
  return { name: d.name.trim(), shared: d.shared, detection: d.detection, severity: d.severity, technique: d.technique.trim() || null };
}

export function ViewFields({ draft, onChange, autoFocus }: { draft: ViewDraft; onChange(d: ViewDraft): void; autoFocus?: boolean }) {
  const id = useId();
  const set = (patch: Partial<ViewDraft>) => onChange({ ...draft, ...patch });
  return (
    <div className="space-y-3 text-xs">
      <label className="block space-y-1">
        <span className="font-medium">Name</span>
        <input
          id={`${id}-name`}
          autoFocus={autoFocus}
          required
          maxLength={120}
          value={draft.name}
          onChange={(e) => set({ name: e.target.value })}
          placeholder="e.g. Deploy role outside CI"
          className={`${inputClass} w-full`}
        />
      </label>
      <fieldset className="space-y-1">
        <legend className="font-medium">Who sees it</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name={`${id}-shared`} checked={!draft.shared} onChange={() => set({ shared: false })} />
          Personal — only you (and admins)
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name={`${id}-shared`} checked={draft.shared} onChange={() => set({ shared: true })} />
          Shared — every signed-in user of this console
        </label>
      </fieldset>
      <div className="space-y-2 rounded border border-zinc-200 p-2 dark:border-zinc-800">
        <label className="flex items-center gap-2 font-medium">
          <input type="checkbox" checked={draft.detection} onChange={(e) => set({ detection: e.target.checked })} />
          Use as a detection
        </label>
        <p className="text-zinc-500">Listed on the Detections page with its count and a sparkline over the chosen range.</p>
        {draft.detection && (
          <div className="flex flex-wrap gap-3">
            <label className="flex items-center gap-1">
              <span>Severity</span>
              <select value={draft.severity} onChange={(e) => set({ severity: e.target.value as Severity })} className={inputClass}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex items-center gap-1">
              <span>MITRE ATT&amp;CK</span>
              <input
                value={draft.technique}
                onChange={(e) => set({ technique: e.target.value })}
                placeholder="T1098.001"
                pattern="T\d{4}(\.\d{3})?"
                title="A technique id such as T1098 or T1562.008"
                className={`${inputClass} w-28 font-mono`}
              />
            </label>
          </div>
        )}
      </div>
    </div>
  );
}
