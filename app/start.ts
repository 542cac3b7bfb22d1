import { createCsrfMiddleware, createStart } from "@tanstack/react-start";

export const startInstance = createStart(() => ({
  // Server functions only answer same-origin requests; page loads are not filtered, or a
  // direct navigation (Sec-Fetch-Site: none) would get 403.
  requestMiddleware: [createCsrfMiddleware({ filter: (ctx) => ctx.handlerType === "serverFn" })],
}));
