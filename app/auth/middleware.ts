/**
 * The auth adapter's request middleware. Clerk's `clerkMiddleware()` authenticates each request
 * (and may answer with its handshake redirect) so that `auth()` works in server functions and
 * SSR. It is loaded only in Clerk mode: with local sign-in no Clerk code runs on the server.
 */
import { type AnyRequestMiddleware, createIsomorphicFn } from "@tanstack/react-start";
import { getConfig } from "../../app.config";

let clerk: Promise<AnyRequestMiddleware[]> | undefined;

export const authRequestMiddleware = createIsomorphicFn()
  .server((): Promise<AnyRequestMiddleware[]> => {
    const { auth } = getConfig();
    if (auth.mode !== "clerk") return Promise.resolve([]);
    clerk ??= import("@clerk/tanstack-react-start/server").then(({ clerkMiddleware }) => [
      // Keys from our validated configuration, not from Clerk's own reading of process.env.
      clerkMiddleware({ publishableKey: auth.publishableKey, secretKey: auth.secretKey }),
    ]);
    return clerk;
  })
  // Request middleware only runs on the server; the browser's start options need none.
  .client((): Promise<AnyRequestMiddleware[]> => Promise.resolve([]));
