/** "Load more" under a live paginated list (app/lib/live-pages.ts), given what useLivePages returns. */
export function LoadMoreButton({
  canLoadMore,
  loadingMore,
  loadMore,
}: {
  canLoadMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}) {
  if (!canLoadMore) return null;
  return (
    <button type="button" className="button button-secondary" onClick={loadMore} disabled={loadingMore}>
      {loadingMore ? "Loading…" : "Load more"}
    </button>
  );
}
