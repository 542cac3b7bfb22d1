import { createFileRoute } from "@tanstack/react-router";
import { ImportPage } from "../../../features/customers/import/import-page";

export const Route = createFileRoute("/_authed/customers/import")({
  head: () => ({ meta: [{ title: "Import customers · Clientele" }] }),
  component: function ImportRoute() {
    return <ImportPage workspaceId={Route.useRouteContext().workspaceId} />;
  },
});
