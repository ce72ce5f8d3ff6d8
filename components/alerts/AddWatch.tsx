"use client";
// The add-watch form of /alerts: choose one of the views and detections the user may see, then
// the channels in the same WatchButton a view or detection page shows (opened at once here). The
// page re-reads its lists once the watch exists.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { inputClass } from "../access/styles";
import { WatchButton } from "./WatchButton";
import { labelClass } from "./WatchFields";

export interface TargetOption {
  kind: "view" | "detection";
  id: string;
  title: string;
}

export function AddWatch({ targets, emailAvailable }: { targets: TargetOption[]; emailAvailable: boolean }) {
  const router = useRouter();
  const [choice, setChoice] = useState("");
  const chosen = targets.find((t) => `${t.kind}:${t.id}` === choice);
  const views = targets.filter((t) => t.kind === "view");
  const detections = targets.filter((t) => t.kind === "detection");
  return (
    <div className="max-w-3xl space-y-2 rounded border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="flex min-w-0 flex-col gap-0.5">
        <label htmlFor="add-watch-target" className={labelClass}>
          View or detection
        </label>
        <select id="add-watch-target" value={choice} onChange={(e) => setChoice(e.target.value)} className={inputClass}>
          <option value="">Choose…</option>
          {views.length > 0 && (
            <optgroup label="Saved views">
              {views.map((t) => (
                <option key={`v:${t.id}`} value={`view:${t.id}`}>
                  {t.title}
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label="Detections">
            {detections.map((t) => (
              <option key={`d:${t.id}`} value={`detection:${t.id}`}>
                {t.title}
              </option>
            ))}
          </optgroup>
        </select>
      </div>
      {chosen ? (
        <WatchButton key={choice} kind={chosen.kind} id={chosen.id} title={chosen.title} emailAvailable={emailAvailable} startOpen onCreated={() => router.refresh()} />
      ) : (
        <p className="text-xs text-zinc-500">Then give a webhook (Slack or any receiver of JSON), email recipients, or both.</p>
      )}
    </div>
  );
}
