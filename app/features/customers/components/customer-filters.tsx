import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useId } from "react";
import type { CustomerSummary } from "../../../../convex/lib/customerCounts";
import { CUSTOMER_STATUSES } from "../../../../convex/lib/customerFields";
import { STATUS_LABELS } from "../format";
import { type CustomerListSearch, MAX_SEARCH_LENGTH } from "../search-params";
import { formText } from "../../../lib/form-data";

const countFormat = new Intl.NumberFormat("en");

/** "Lead (1,204)", or just "Lead" until the counts are known. */
const withCount = (label: string, count: number | undefined) =>
  count === undefined ? label : `${label} (${countFormat.format(count)})`;

export function CustomerFilters({ search, counts }: { search: CustomerListSearch; counts?: CustomerSummary["counts"] }) {
  const navigate = useNavigate({ from: "/customers/" });
  const ids = { q: useId(), status: useId(), sort: useId() };
  const update = (changes: Partial<CustomerListSearch>) =>
    navigate({ search: (prev) => ({ ...prev, ...changes }), replace: true });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void update({ q: formText(new FormData(event.currentTarget), "q") });
  }

  return (
    <form className="filters" role="search" onSubmit={onSubmit}>
      <div className="field">
        <label htmlFor={ids.q}>Search</label>
        <input
          id={ids.q}
          name="q"
          type="search"
          defaultValue={search.q}
          placeholder="Name, email or company"
          maxLength={MAX_SEARCH_LENGTH}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.status}>Status</label>
        <select
          id={ids.status}
          value={search.status}
          onChange={(event) => update({ status: event.target.value as CustomerListSearch["status"] })}
        >
          <option value="all">{withCount("All", counts?.all)}</option>
          {CUSTOMER_STATUSES.map((status) => (
            <option key={status} value={status}>
              {withCount(STATUS_LABELS[status], counts?.[status])}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.sort}>Sort</label>
        <select
          id={ids.sort}
          value={search.sort}
          disabled={search.q !== ""}
          title={search.q ? "Search results are ordered by relevance" : undefined}
          onChange={(event) => update({ sort: event.target.value as CustomerListSearch["sort"] })}
        >
          <option value="newest">Newest first</option>
          <option value="oldest">Oldest first</option>
          <option value="name">Name</option>
        </select>
      </div>
      <button type="submit" className="button button-secondary">
        Search
      </button>
    </form>
  );
}
