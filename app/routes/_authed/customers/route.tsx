import { createFileRoute, Outlet } from "@tanstack/react-router";
import { ConnectionStatus } from "../../../components/connection-status";

export const Route = createFileRoute("/_authed/customers")({
  component: () => (
    <>
      <ConnectionStatus />
      <Outlet />
    </>
  ),
});
