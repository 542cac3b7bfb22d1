import { LoadMoreButton } from "../../../components/load-more-button";
import { useLivePages } from "../../../lib/live-pages";
import { describeActivity } from "../activity-words";
import { useTimeZone } from "../../../components/time-zone";
import { formatMoment } from "../../../lib/format-date";
import { customerQueries, type WorkspaceRef } from "../queries";

/** The Activity tab: the customer's history, newest first, live. */
export function ActivityTab({ workspaceId, customerId }: { workspaceId: WorkspaceRef; customerId: string }) {
  const { items, canLoadMore, loadingMore, loadMore } = useLivePages((bounds) =>
    customerQueries.activity(workspaceId, customerId, bounds),
  );
  const timeZone = useTimeZone();
  return (
    <section data-testid="customer-activity" aria-label="Activity">
      {items.length === 0 ? (
        <p className="muted">Nothing has happened to this customer yet.</p>
      ) : (
        // eslint-disable-next-line jsx-a11y/no-redundant-roles -- Safari drops list semantics from a list styled without markers
        <ol className="timeline" role="list">
          {items.map((entry) => (
            <li key={entry._id} data-testid="activity-entry">
              <span>{describeActivity(entry)}</span>
              <time className="muted" dateTime={new Date(entry._creationTime).toISOString()}>
                {formatMoment(entry._creationTime, timeZone)}
              </time>
            </li>
          ))}
        </ol>
      )}
      <LoadMoreButton canLoadMore={canLoadMore} loadingMore={loadingMore} loadMore={loadMore} />
    </section>
  );
}
