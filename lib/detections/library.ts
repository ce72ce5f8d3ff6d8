// STAND-IN (alerts branch): two detections so watches on detections can be built and tested. The
// real built-in library replaces this file at merge; lib/alerts imports only BUILTIN_DETECTIONS.
import type { Detection } from "./types";

export const BUILTIN_DETECTIONS: readonly Detection[] = [
  {
    id: "cloudtrail-tampering",
    title: "CloudTrail logging stopped, deleted or changed",
    why: "An attacker who stops or reconfigures a trail blinds the defenders to what comes next.",
    severity: "high",
    technique: "T1562.008",
    query: "eventSource=cloudtrail.amazonaws.com&eventName=StopLogging&eventName=DeleteTrail&eventName=UpdateTrail",
    origin: "attack",
  },
  {
    id: "root-use",
    title: "Root user activity",
    why: "The root user can do anything and should hardly ever be used; any use deserves a look.",
    severity: "high",
    technique: "T1078.004",
    query: "identityType=Root",
    origin: "cis",
    control: "4.3",
  },
];
