import { createCsrfMiddleware, createStart } from "@tanstack/react-start";
import { authRequestMiddleware } from "./auth/middleware";

// Server functions only answer same-origin requests; page loads are not filtered, or a
// direct navigation (Sec-Fetch-Site: none) would get 403.
const csrf = createCsrfMiddleware({ filter: (ctx) => ctx.handlerType === "serverFn" });

export const startInstance = createStart(async () => ({
  // CSRF first: a cross-site server function call is refused before any auth work is done.
  requestMiddleware: [csrf, ...(await authRequestMiddleware())],
}));
