import { describe, expect, it } from "vitest";
import { arnLabel, arnLabels, type ArnLabel } from "./arn";

const text = (l: ArnLabel) => `${l.lead}${l.tail === null ? "" : "/" + l.tail}${l.account ? " @" + l.account : ""}`;

describe("ARN labels", () => {
  it("an assumed role by its role and session, an IAM user by name", () => {
    expect(text(arnLabel("arn:aws:sts::111122223333:assumed-role/DeployRole/GitHubActions"))).toBe("DeployRole/GitHubActions");
    expect(text(arnLabel("arn:aws:sts::111122223333:assumed-role/github-actions-deploy/GitHubActions"))).toBe("github-actions-deploy/GitHubActions");
    expect(text(arnLabel("arn:aws:iam::111122223333:user/ops/alice"))).toBe("alice");
    expect(text(arnLabel("arn:aws:iam::111122223333:root"))).toBe("root");
    expect(text(arnLabel("arn:aws:iam::111122223333:role/service-role/Builder"))).toBe("role/Builder");
    expect(text(arnLabel("arn:aws:sts::111122223333:federated-user/dave"))).toBe("federated-user/dave");
    expect(text(arnLabel("arn:aws:s3:::trail-bucket/AWSLogs"))).toBe("trail-bucket/AWSLogs");
    expect(text(arnLabel("not an arn"))).toBe("not an arn");
  });

  it("Identity Center roles by permission set, the session (an e-mail) kept whole", () => {
    const l = arnLabel("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/mara@example.com");
    expect(l).toMatchObject({ lead: "SSO:AdministratorAccess", tail: "mara@example.com" });
  });

  it("the account only where the same label stands for several accounts", () => {
    const a = "arn:aws:iam::111122223333:root";
    const b = "arn:aws:iam::444455556666:root";
    const c = "arn:aws:iam::111122223333:user/bob";
    const m = arnLabels([a, b, c, a]);
    expect(text(m.get(a)!)).toBe("root @111122223333");
    expect(text(m.get(b)!)).toBe("root @444455556666");
    expect(text(m.get(c)!)).toBe("bob");
    expect(m.get(a)!.full).toBe(a);
  });

  it("labels that would still agree (same name, same account) show the whole resource", () => {
    const a = "arn:aws:iam::111122223333:user/team-a/bob";
    const b = "arn:aws:iam::111122223333:user/team-b/bob";
    const m = arnLabels([a, b]);
    expect(text(m.get(a)!)).toBe("user/team-a/bob");
    expect(text(m.get(b)!)).toBe("user/team-b/bob");
    const labels = [...m.values()].map(text);
    expect(new Set(labels).size).toBe(2);
  });
});
