import { createFileRoute } from "@tanstack/react-router";

export const Route = createFileRoute("/_authed/customers/")({
  component: () => <h1>Customers</h1>,
});
