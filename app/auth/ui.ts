/**
 * The auth port's browser side. Local sign-in needs no extra code; Clerk's UI (its provider,
 * which loads clerk-js and keeps the short-lived `__session` cookie fresh, and its sign-in
 * component) is a separate chunk that only a Clerk deployment loads. `getRouter()` awaits it
 * before the first render, so hydration never waits on it halfway.
 */
import { type ComponentType, createContext, type ReactNode, useContext } from "react";
import type { PublicConfig } from "../../app.config";

export interface ClerkUi {
  /** Wraps the app: Clerk's provider with navigation by full page loads. */
  Provider: ComponentType<{ publishableKey: string; children: ReactNode }>;
  /** Clerk's sign-in form; after sign-in the browser loads `redirectTo`. */
  SignIn: ComponentType<{ redirectTo: string }>;
}

let clerkUi: Promise<ClerkUi> | undefined;

/** The Clerk UI chunk in Clerk mode, null with local sign-in (nothing is loaded). */
export function loadAuthUi(config: Pick<PublicConfig, "authMode">): Promise<ClerkUi | null> {
  if (config.authMode !== "clerk") return Promise.resolve(null);
  clerkUi ??= import("./clerk/clerk-ui").then((module) => module.clerkUi);
  return clerkUi;
}

/**
 * Signs the user out with the identity provider and resolves to where the browser goes next.
 * Provided by the Clerk UI; absent with local sign-in, whose sign-out is a server function.
 */
export type ProviderSignOut = () => Promise<string>;

export const ProviderSignOutContext = createContext<ProviderSignOut | null>(null);

export function useProviderSignOut(): ProviderSignOut | null {
  return useContext(ProviderSignOutContext);
}
