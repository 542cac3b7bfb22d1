/** The customer's page's route: its loader names the customer, which every tab's title repeats. */
const CUSTOMER_ROUTE_ID = "/_authed/customers/$customerId";

/** A tab's title: "Notes · Ada Lovelace · Clientele", the customer's name from the page's loader. */
export function customerTabTitle(tab: string, matches: readonly { routeId: string; loaderData?: unknown }[]) {
  const page = matches.find((match) => match.routeId === CUSTOMER_ROUTE_ID)?.loaderData;
  const name = typeof page === "object" && page !== null && "name" in page && typeof page.name === "string" ? page.name : null;
  return { meta: [{ title: name ? `${tab} · ${name} · Clientele` : `${tab} · Clientele` }] };
}
