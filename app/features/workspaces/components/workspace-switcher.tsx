import { useQuery } from "@tanstack/react-query";
import { Link, useSearch } from "@tanstack/react-router";
import { useEffect, useRef } from "react";
import { findWorkspace, workspaceQueries } from "../queries";

/**
 * The header's workspace menu. Its entries are plain links to each workspace's customer list,
 * so pointing at one preloads that list's code and data like any other link.
 */
export function WorkspaceSwitcher() {
  const menu = useRef<HTMLDetailsElement>(null);
  const { workspace: current } = useSearch({ strict: false });
  // Loaded by the customers pages (and so server-rendered there); other pages fetch it after hydration.
  const { data: workspaces = [] } = useQuery(workspaceQueries.list());
  const teams = workspaces.filter((workspace) => workspace.kind === "team");
  const currentTeam = current ? findWorkspace(teams, current) : null;
  const close = () => menu.current?.removeAttribute("open");
  // Escape closes the open menu and gives focus back to its button, as a popover does; it does
  // not also leave the page (useEscapeGoesBack sees the event handled).
  useEffect(() => {
    const details = menu.current;
    if (!details) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || !details.open) return;
      event.preventDefault();
      details.removeAttribute("open");
      details.querySelector("summary")?.focus();
    };
    details.addEventListener("keydown", closeOnEscape);
    return () => details.removeEventListener("keydown", closeOnEscape);
  }, []);
  return (
    <details className="workspace-switcher" ref={menu} data-testid="workspace-switcher">
      {/* Named by what it shows (WCAG 2.5.3: a different aria-label hid the visible text); what it does is its description. */}
      <summary title="Switch workspace">{currentTeam?.name ?? "Personal"}</summary>
      {/* Safari drops list semantics from a list styled without markers; the role keeps them. */}
      {/* eslint-disable-next-line jsx-a11y/no-redundant-roles */}
      <ul role="list">
        <li>
          <Link to="/customers" search={{ workspace: undefined }} onClick={close} aria-current={currentTeam ? undefined : "true"}>
            Personal
          </Link>
        </li>
        {teams.map((team) => (
          <li key={team._id}>
            <Link
              to="/customers"
              search={{ workspace: team._id }}
              onClick={close}
              aria-current={team._id === current ? "true" : undefined}
            >
              {team.name}
            </Link>
          </li>
        ))}
        <li className="workspace-switcher-manage">
          <Link to="/workspaces" onClick={close}>
            Manage workspaces…
          </Link>
        </li>
      </ul>
    </details>
  );
}
