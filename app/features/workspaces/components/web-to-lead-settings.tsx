import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Id } from "../../../../convex/_generated/dataModel";
import { keyIdOf, LEADS_PATH, LEADS_PER_MINUTE } from "../../../../convex/lib/webToLead";
import { useTimeZone } from "../../../components/time-zone";
import { formatDate } from "../../../lib/format-date";
import { getPublicConfig } from "../../../lib/public-config";
import { useIssueLeadToken, useTurnOffWebToLead, workspaceQueries } from "../queries";
import { useAction } from "./use-action";

/** The smallest HTML form that posts a lead to `url`, as the README shows it. */
function exampleForm(url: string): string {
  return `<form method="post" action="${url}">
  <input name="name" placeholder="Name" required>
  <input name="email" type="email" placeholder="Email" required>
  <input name="company" placeholder="Company">
  <input name="phone" placeholder="Phone">
  <textarea name="notes" placeholder="Message"></textarea>
  <button>Send</button>
</form>`;
}

/**
 * Web-to-lead for a workspace's admins: turn it on, copy the form's URL (shown once, right after
 * it is made), rotate its token or turn it off. Not a suspense query: when the viewer stops being
 * an admin, it fails a moment before the page drops the section.
 */
export function WebToLeadSettings({ workspaceId }: { workspaceId: Id<"workspaces"> }) {
  const { data: status } = useQuery(workspaceQueries.webToLead(workspaceId));
  const issue = useIssueLeadToken();
  const turnOff = useTurnOffWebToLead();
  const { run, pending, message } = useAction();
  const [token, setToken] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const timeZone = useTimeZone();
  const endpoint = `${getPublicConfig().convexSiteUrl}${LEADS_PATH}`;

  const newToken = () =>
    run(async () => {
      setCopied(false);
      setToken(await issue.mutateAsync(workspaceId));
    });
  const off = () =>
    run(async () => {
      await turnOff.mutateAsync({ workspaceId });
      setToken(null);
    });
  // Shown only while the token this page just made is still the workspace's (another admin may rotate it).
  const url = token !== null && status && status.keyId === keyIdOf(token) ? `${endpoint}${token}` : null;

  return (
    <section className="card form" aria-labelledby="web-to-lead-heading" data-testid="web-to-lead">
      <h2 id="web-to-lead-heading">Web-to-lead</h2>
      <p className="muted">
        Your website&apos;s contact form can add leads here: each submission becomes a customer with status Lead (at most{" "}
        {LEADS_PER_MINUTE} a minute).
      </p>
      {url ? (
        <div className="stack">
          <div className="field">
            <label htmlFor="web-to-lead-url">Form URL</label>
            <input id="web-to-lead-url" readOnly value={url} onFocus={(event) => event.currentTarget.select()} />
          </div>
          <p className="notice" role="status">
            Copy this URL now: it is shown only once. Anyone who has it can add leads, so use it only in your form.
          </p>
          <div className="form-actions">
            <button
              type="button"
              className="button button-secondary"
              onClick={() => run(async () => navigator.clipboard.writeText(url).then(() => setCopied(true)))}
            >
              {copied ? "Copied" : "Copy URL"}
            </button>
          </div>
          <details>
            <summary>A form that posts to it</summary>
            <pre className="code">
              <code>{exampleForm(url)}</code>
            </pre>
          </details>
        </div>
      ) : status ? (
        <p data-testid="web-to-lead-status">
          On: leads are posted to <code>{endpoint}…</code> with the token {status.issuedBy} made on{" "}
          {formatDate(status.issuedAt, timeZone)}. The token is not shown again; a new one replaces it.
        </p>
      ) : status === null ? (
        <p data-testid="web-to-lead-status">Off.</p>
      ) : null}
      {message}
      {status !== undefined ? (
        <div className="form-actions">
          <button type="button" className="button" disabled={pending} onClick={newToken}>
            {status ? "New token (the current URL stops working)" : "Turn on web-to-lead"}
          </button>
          {status ? (
            <button type="button" className="button button-secondary" disabled={pending} onClick={off}>
              Turn off web-to-lead
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
