import { createServerFn } from "@tanstack/react-start";
import { getCookie } from "@tanstack/react-start/server";
import { LAST_WORKSPACE_COOKIE } from "./last-workspace";

/** The workspace this browser used last (the cookie the customers pages set), for `/customers` on a full load. */
export const getLastWorkspace = createServerFn({ method: "GET" }).handler(() => getCookie(LAST_WORKSPACE_COOKIE) ?? null);
