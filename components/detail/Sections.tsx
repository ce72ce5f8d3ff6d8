// The who / what / where / when / from where / resources sections of the event detail, read from
// the record itself (CloudTrail's field names), with filter links where a field is a filter.
import { exactValue } from "../../lib/query/filter-value";
import { NavLink } from "../../lib/view/navigation";
import { visibleText } from "../../lib/view/text";
import { formatTime } from "../../lib/view/time";
import { addFilter, href } from "../../lib/view/url";
import { LocalTime } from "../ui/LocalTime";
import { at, FilterLinks, Item, Section, str, type Ctx, type Rec } from "./parts";

export function Who({ r, ctx, username }: { r: Rec; ctx: Ctx; username: string | null }) {
  const id = (r.userIdentity ?? {}) as Rec;
  const type = str(id.type);
  const arn = str(id.arn);
  const issuer = str(at(id, "sessionContext.sessionIssuer.arn"));
  const mfa = str(at(id, "sessionContext.attributes.mfaAuthenticated"));
  // All sessions of an assumed role: its ARN up to the session name, as a wildcard filter.
  const roleSessions = type === "AssumedRole" && arn && arn.includes("/") ? exactValue(arn.slice(0, arn.lastIndexOf("/") + 1)) + "*" : null;
  return (
    <Section title="Who">
      <dl className="text-xs">
        <Item ctx={ctx} label="Identity type" value={type} filter="identityType" />
        <Item ctx={ctx} label="Principal" value={arn} filter="principalArn" mono />
        {roleSessions && (
          <div className="grid grid-cols-[8.5rem_1fr] gap-2 py-0.5">
            <dt className="text-zinc-500 dark:text-zinc-400" />
            <dd>
              <NavLink className="text-xs text-sky-700 underline decoration-dotted dark:text-sky-400" href={href("/events", addFilter(ctx.base, "principalArn", roleSessions))}>
                All sessions of this role
              </NavLink>
            </dd>
          </div>
        )}
        <Item ctx={ctx} label={type === "AssumedRole" || type === "FederatedUser" ? "Session name" : "User name"} value={username} filter="username" />
        <Item ctx={ctx} label="Principal ID" value={str(id.principalId)} mono />
        <Item ctx={ctx} label="Principal account" value={str(id.accountId)} mono />
        <Item ctx={ctx} label="Access key" value={str(id.accessKeyId)} filter="accessKeyId" mono />
        <Item ctx={ctx} label="Role (issuer)" value={issuer} mono hint={str(at(id, "sessionContext.sessionIssuer.type"))} />
        <Item ctx={ctx} label="MFA" value={mfa === "true" ? "yes" : mfa === "false" ? "no" : type === "AssumedRole" || type === "IAMUser" || type === "Root" ? "not recorded" : null} />
        <Item ctx={ctx} label="Session created" value={str(at(id, "sessionContext.attributes.creationDate"))} mono />
        <Item ctx={ctx} label="Source identity" value={str(at(id, "sessionContext.sourceIdentity"))} />
        <Item ctx={ctx} label="Web identity" value={str(at(id, "sessionContext.webIdFederationData.federatedProvider"))} mono />
        <Item ctx={ctx} label="Invoked by" value={str(id.invokedBy)} />
        <Item ctx={ctx} label="On behalf of" value={str(at(id, "onBehalfOf.userId"))} mono />
        {!r.userIdentity && <p className="text-zinc-500">No userIdentity in this record (Insights and some service events have none).</p>}
      </dl>
    </Section>
  );
}

export function What({ r, ctx }: { r: Rec; ctx: Ctx }) {
  const error = str(r.errorCode);
  return (
    <Section title="What">
      <dl className="text-xs">
        <Item ctx={ctx} label="Service" value={str(r.eventSource) ?? str(at(r, "insightDetails.eventSource"))} filter={r.eventSource ? "eventSource" : undefined} />
        <Item ctx={ctx} label="API" value={str(r.eventName) ?? str(at(r, "insightDetails.eventName"))} filter={r.eventName ? "eventName" : undefined} mono />
        <Item ctx={ctx} label="Read-only" value={str(r.readOnly)} filter="readOnly" />
        <Item ctx={ctx} label="Event type" value={str(r.eventType)} filter="eventType" />
        <Item ctx={ctx} label="Category" value={str(r.eventCategory)} filter="eventCategory" />
        <Item ctx={ctx} label="Management event" value={str(r.managementEvent)} />
        <Item ctx={ctx} label="Insight" value={str(at(r, "insightDetails.insightType"))} hint={str(at(r, "insightDetails.state"))} />
        <div className="group/row grid grid-cols-[8.5rem_1fr] gap-2 py-0.5">
          <dt className="text-zinc-500 dark:text-zinc-400">Result</dt>
          <dd className="min-w-0 break-all">
            {error ? (
              <>
                <span className="font-mono text-red-700 dark:text-red-400">{visibleText(error)}</span>
                <FilterLinks ctx={ctx} fieldKey="errorCode" value={error} />
                {str(r.errorMessage) && <span className="block text-zinc-600 dark:text-zinc-400">{visibleText(str(r.errorMessage)!)}</span>}
              </>
            ) : (
              <span className="text-emerald-700 dark:text-emerald-400">Succeeded</span>
            )}
          </dd>
        </div>
      </dl>
    </Section>
  );
}

export function Where({ r, ctx }: { r: Rec; ctx: Ctx }) {
  if (![r.recipientAccountId, r.awsRegion, r.vpcEndpointId, r.requestID, r.sharedEventID].some((v) => str(v))) return null;
  return (
    <Section title="Where">
      <dl className="text-xs">
        <Item ctx={ctx} label="Account" value={str(r.recipientAccountId)} filter="accountId" mono />
        <Item ctx={ctx} label="Region" value={str(r.awsRegion)} filter="awsRegion" />
        <Item ctx={ctx} label="VPC endpoint" value={str(r.vpcEndpointId)} mono hint={str(r.vpcEndpointAccountId) ? `account ${str(r.vpcEndpointAccountId)}` : null} />
        <Item ctx={ctx} label="Request ID" value={str(r.requestID)} filter="requestID" mono />
        <Item ctx={ctx} label="Shared event ID" value={str(r.sharedEventID)} filter="sharedEventID" mono />
      </dl>
    </Section>
  );
}

export function When({ r, ctx, id }: { r: Rec; ctx: Ctx; id: string }) {
  const t = str(r.eventTime);
  return (
    <Section title="When">
      <dl className="text-xs">
        {t && (
          <>
            <Item ctx={ctx} label="UTC" value={`${formatTime(t, "utc")} UTC`} mono />
            <div className="grid grid-cols-[8.5rem_1fr] gap-2 py-0.5">
              <dt className="text-zinc-500 dark:text-zinc-400">Local</dt>
              <dd className="font-mono">
                <LocalTime iso={t} />
              </dd>
            </div>
          </>
        )}
        <Item ctx={ctx} label="Event ID" value={id} mono />
        <Item ctx={ctx} label="Event version" value={str(r.eventVersion)} />
      </dl>
    </Section>
  );
}

export function FromWhere({ r, ctx }: { r: Rec; ctx: Ctx }) {
  if (!str(r.sourceIPAddress) && !str(r.userAgent) && !str(r.tlsDetails)) return null;
  return (
    <Section title="From where">
      <dl className="text-xs">
        <Item ctx={ctx} label="Source IP" value={str(r.sourceIPAddress)} filter="sourceIPAddress" mono />
        <Item ctx={ctx} label="User agent" value={str(r.userAgent)} filter="userAgent" mono />
        <Item ctx={ctx} label="TLS" value={str(at(r, "tlsDetails.tlsVersion"))} hint={str(at(r, "tlsDetails.cipherSuite"))} />
        <Item ctx={ctx} label="Host header" value={str(at(r, "tlsDetails.clientProvidedHostHeader"))} mono />
      </dl>
    </Section>
  );
}

export function Resources({ r, ctx }: { r: Rec; ctx: Ctx }) {
  const list = Array.isArray(r.resources) ? (r.resources as unknown[]).filter((x): x is Rec => x !== null && typeof x === "object") : [];
  if (!list.length) return null;
  return (
    <Section title={`Resources (${list.length})`}>
      <ul className="space-y-1 text-xs">
        {list.map((res, i) => {
          const name = str(res.ARN) ?? str(res.arn) ?? str(res.resourceName) ?? str(res.name);
          const type = str(res.type) ?? str(res.resourceType);
          return (
            <li key={i} className="group/row">
              {name && (
                <span className="break-all font-mono">
                  {visibleText(name)}
                  <FilterLinks ctx={ctx} fieldKey="resourceName" value={name} />
                </span>
              )}
              <span className="block text-zinc-500">
                {type && (
                  <>
                    {visibleText(type)}
                    <FilterLinks ctx={ctx} fieldKey="resourceType" value={type} />
                  </>
                )}
                {str(res.accountId) && <> · account {visibleText(str(res.accountId)!)}</>}
              </span>
            </li>
          );
        })}
      </ul>
    </Section>
  );
}

