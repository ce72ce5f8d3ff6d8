// What an alert says, per channel: a Slack-compatible body ({ text, blocks }), a generic JSON body
// for any other receiver, and an email. Every one carries the count, the frozen link to exactly
// those events (opening it needs sign-in to the console) and the newest few events.
import type { SampleEvent } from "./evaluate";
import type { TargetKind } from "./targets";

export interface AlertMessage {
  alertId: number;
  watchId: string;
  kind: "alert" | "test";
  target: { kind: TargetKind; id: string; title: string };
  count: number;
  /** A burst detection's alert: the bursts new events made or grew; `count` is all their events. */
  bursts?: number;
  link: string;
  storedAfter: string | null;
  asOf: string;
  sample: SampleEvent[];
}

export const SIGN_IN_NOTE = "Opening the link needs sign-in to Trailscope.";

const plural = (n: number, one: string, many = one + "s") => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

function headline(m: AlertMessage): string {
  const what = `${m.target.kind} "${m.target.title}"`;
  if (m.kind === "test") return `Test message from Trailscope: this channel receives alerts of the ${what}.`;
  if (m.bursts) return `New events made or grew ${plural(m.bursts, "burst")} of the ${what}: ${plural(m.count, "event")} in all, older ones included.`;
  return `${plural(m.count, "new event")} ${m.count === 1 ? "matches" : "match"} the ${what}.`;
}

function sampleLine(e: SampleEvent): string {
  return `${e.eventTime}  ${e.eventName ?? "(no name)"}  by ${e.username ?? "(unknown)"}  in ${e.accountId ?? "(no account)"}`;
}

/** Slack's mrkdwn needs only &, < and > escaped. */
function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackBody(m: AlertMessage): { text: string; blocks: unknown[] } {
  const label = m.kind === "test" ? "Open the view" : `Open ${m.count === 1 ? "this event" : `these ${m.count.toLocaleString("en-US")} events`}`;
  const text = `${slackEscape(headline(m))} <${m.link}|${label}> (opening it needs sign-in to Trailscope)`;
  const blocks: unknown[] = [{ type: "section", text: { type: "mrkdwn", text } }];
  if (m.sample.length) {
    const lines = m.sample.map((e) => slackEscape(sampleLine(e)));
    const more = m.count > m.sample.length ? `\n…and ${plural(m.count - m.sample.length, "more")}` : "";
    blocks.push({ type: "section", text: { type: "mrkdwn", text: "```" + lines.join("\n") + "```" + more } });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: slackEscape(`Trailscope watch ${m.watchId} · events stored ${m.storedAfter ? `after ${m.storedAfter} ` : ""}by ${m.asOf}`) }] });
  return { text, blocks };
}

export function jsonBody(m: AlertMessage): Record<string, unknown> {
  return {
    watch: m.watchId,
    target: m.target,
    count: m.count,
    ...(m.bursts ? { bursts: m.bursts } : {}),
    link: m.link,
    asOf: m.asOf,
    storedAfter: m.storedAfter,
    sample: m.sample,
    ...(m.kind === "test" ? { test: true } : {}),
    note: SIGN_IN_NOTE,
  };
}

export function emailMessage(m: AlertMessage): { subject: string; text: string } {
  const subject =
    m.kind === "test" ? `[Trailscope] Test: alerts of ${m.target.title}` : m.bursts ? `[Trailscope] ${plural(m.bursts, "burst")}: ${m.target.title}` : `[Trailscope] ${plural(m.count, "new event")}: ${m.target.title}`;
  const lines = [headline(m), "", m.kind === "test" ? "The view:" : "Exactly these events:", m.link, SIGN_IN_NOTE];
  if (m.sample.length) {
    lines.push("", m.count > m.sample.length ? `The newest ${m.sample.length}:` : "The events:", ...m.sample.map((e) => "  " + sampleLine(e)));
  }
  lines.push("", `Events stored ${m.storedAfter ? `after ${m.storedAfter} ` : ""}by ${m.asOf}${m.bursts ? " (the bursts' events, in their windows)" : ""}. Watch ${m.watchId}; change it on the console's Alerts page.`);
  // Subjects are one line: a view's name could hold a line break.
  return { subject: subject.replace(/[\r\n]+/g, " ").slice(0, 200), text: lines.join("\n") };
}
