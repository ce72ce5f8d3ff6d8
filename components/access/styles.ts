// Class names shared by the access pages, matching the timeline's toolbar and the sync table.
export const buttonClass =
  "rounded border border-zinc-300 px-2 py-1 text-xs text-zinc-700 hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800";
export const primaryButtonClass = "rounded bg-sky-600 px-3 py-1 text-xs font-medium text-white hover:bg-sky-700 disabled:opacity-50";
export const dangerButtonClass =
  "rounded border border-red-300 px-2 py-1 text-xs text-red-800 hover:bg-red-50 disabled:opacity-50 dark:border-red-900 dark:text-red-300 dark:hover:bg-red-950";
export const inputClass =
  "min-w-0 rounded border border-zinc-300 bg-white px-2 py-1 text-sm placeholder:text-zinc-400 focus:border-sky-500 focus:outline-none dark:border-zinc-700 dark:bg-zinc-900";
export const thClass = "px-2 py-1.5 font-medium text-zinc-600 dark:text-zinc-300";
export const tdClass = "px-2 py-1.5 align-top";
export const theadClass = "border-b border-zinc-300 bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900";
export const rowClass = "border-t border-zinc-200 dark:border-zinc-800";
export const errorTextClass = "text-xs text-red-700 dark:text-red-400";
/** The sign-in and first-run forms: a full-width submit button and the refusal above it. */
export const formSubmitClass = "w-full rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 disabled:opacity-60";
export const formAlertClass = "text-sm text-red-700 dark:text-red-400";
