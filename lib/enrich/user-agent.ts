// The class of an event's userAgent: which kind of client made the call.
//
// An own table, not ua-parser-js: ua-parser-js knows browsers, engines, OSes and devices; the
// clients that matter in CloudTrail are not browsers — aws-cli, Boto3, aws-sdk-go-v2, Terraform's
// provider, CloudFormation, AWS services calling on someone's behalf — and it recognises none of
// them (it reads "aws-cli/2.15.30 Python/3.11.8 Linux/5.10…" as an unknown browser on Linux). What
// it could add — which browser a console session used — is not a class to filter on (the raw
// userAgent still is: `userAgent=*Firefox*`), and running its few hundred patterns per event in
// the decode workers would cost more than everything else enrichment does. The rules below are
// AWS's documented user-agent prefixes (the SDKs' `<sdk>/<version>` product tokens, aws-cli's,
// the console's endpoints), tried in order: the first that matches names the class.

export const USER_AGENT_CLASSES = [
  "console", "browser", "cli", "powershell",
  "sdk-python", "sdk-js", "sdk-go", "sdk-java", "sdk-dotnet", "sdk-ruby", "sdk-php", "sdk-rust", "sdk-cpp", "sdk-kotlin", "sdk-swift", "sdk",
  "terraform", "pulumi", "cdk", "cloudformation", "aws-service", "aws-internal", "other",
] as const;
export type UserAgentClass = (typeof USER_AGENT_CLASSES)[number];

const SDK_LANGUAGE: Record<string, UserAgentClass> = {
  go: "sdk-go", "go-v2": "sdk-go", java: "sdk-java", js: "sdk-js", nodejs: "sdk-js", dotnet: "sdk-dotnet",
  ruby: "sdk-ruby", ruby2: "sdk-ruby", ruby3: "sdk-ruby", php: "sdk-php", rust: "sdk-rust", cpp: "sdk-cpp", kotlin: "sdk-kotlin", swift: "sdk-swift",
};

/** Ordered rules: [pattern, class]; the first match wins, so tools that embed an SDK's token come before it. */
const RULES: [RegExp, UserAgentClass][] = [
  [/^AWS Internal$/i, "aws-internal"],
  // Terraform's AWS provider (and OpenTofu's) sends "APN/1.0 HashiCorp/1.0 Terraform/1.9.5 … terraform-provider-aws/5.x … aws-sdk-go-v2/…".
  [/\b(?:Terraform|OpenTofu)\/|terraform-provider-aws/i, "terraform"],
  [/\bpulumi/i, "pulumi"],
  [/\baws-cdk\//i, "cdk"],
  [/^cloudformation\.amazonaws\.com$|\bAWS CloudFormation\b/i, "cloudformation"],
  // The console's own endpoints (console.amazonaws.com, console.ec2.amazonaws.com), sign-in, and
  // the S3 console's bracketed agent "[S3Console/0.4, aws-internal/3 aws-sdk-java/…]".
  [/^(?:signin|console(?:\.[a-z0-9-]+)?)\.amazonaws\.com$|S3Console\/|AWS-Console|console\.aws\.amazon\.com/i, "console"],
  // aws-cli/1 embeds Botocore's token too; CloudShell is aws-cli with exec-env/CloudShell.
  [/\baws-cli\//i, "cli"],
  [/\bAWSPowerShell/i, "powershell"],
  [/\b(?:Boto3|Botocore)\//i, "sdk-python"],
];

const SDK = /\baws-sdk-([a-z0-9-]+?)(?:-coreclr|-core|-45|-35)?\//i;
const SERVICE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$/i;
/** Frameworks AWS's own services call with (Coral is AWS's internal service framework). */
const AWS_INTERNAL_AGENT = /\baws-internal\/|^Coral\//i;
const BROWSER = /^\[?Mozilla\/\d/;

/**
 * `eventCategory` tells a browser at the console (management events) from one fetching objects
 * through presigned URLs (S3 data events).
 */
export function classifyUserAgent(userAgent: string | null, eventCategory: string | null = null): UserAgentClass | null {
  if (userAgent === null) return null;
  const ua = userAgent.trim();
  if (ua === "") return null;
  for (const [re, cls] of RULES) if (re.test(ua)) return cls;
  const sdk = SDK.exec(ua);
  if (sdk) return SDK_LANGUAGE[sdk[1].toLowerCase()] ?? "sdk";
  if (AWS_INTERNAL_AGENT.test(ua)) return "aws-internal";
  if (SERVICE.test(ua)) return "aws-service";
  if (BROWSER.test(ua)) return eventCategory === "Data" ? "browser" : "console";
  return "other";
}
