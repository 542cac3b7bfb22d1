import type { ActivityEntry } from "../../../convex/activity";
import type { HistoryField } from "../../../convex/schema";
import { STATUS_LABELS } from "./format";

/** Field names as the Overview shows them (`notes` is shown as the Summary). */
const FIELD_LABELS: Record<HistoryField, string> = {
  name: "name",
  email: "email",
  company: "company",
  phone: "phone",
  notes: "summary",
};

/** Long values (a summary) are shown in part; the Overview has the whole. */
const MAX_VALUE = 80;

function quoted(value: string): string {
  const oneLine = value.replace(/\s+/g, " ").trim();
  return `“${oneLine.length > MAX_VALUE ? `${oneLine.slice(0, MAX_VALUE - 1)}…` : oneLine}”`;
}

/** What an entry says happened, as a sentence a person reads: "Ada changed status from Lead to Active". */
export function describeActivity({ actorName, change }: Pick<ActivityEntry, "actorName" | "change">): string {
  switch (change.kind) {
    case "created":
      return change.importedFrom
        ? `${actorName} imported this customer from ${change.importedFrom}`
        : `${actorName} created this customer`;
    case "status":
      return `${actorName} changed status from ${STATUS_LABELS[change.from]} to ${STATUS_LABELS[change.to]}`;
    case "field": {
      const field = FIELD_LABELS[change.field];
      if (change.from === undefined) return `${actorName} set ${field} to ${quoted(change.to ?? "")}`;
      if (change.to === undefined) return `${actorName} cleared ${field} (was ${quoted(change.from)})`;
      return `${actorName} changed ${field} from ${quoted(change.from)} to ${quoted(change.to)}`;
    }
    case "note":
      return `${actorName} ${change.action} a note`;
    case "file":
      return `${actorName} ${change.action} the file ${quoted(change.name)}`;
  }
}
