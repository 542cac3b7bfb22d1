/**
 * Redirect targets that look like paths but resolve to another site once dot segments,
 * percent-encoding, backslashes and the characters browsers strip are applied (issue 20).
 * Shared by the unit table, the built server's test and the browser test.
 */
export const OFF_SITE_TARGETS = [
  "/..//evil.example",
  "/.//evil.example",
  "/%2e%2e//evil.example",
  "/%2E%2E//evil.example",
  "/%2e%2E//evil.example",
  "/.%2e//evil.example",
  "/%2e//evil.example",
  "/customers/../..//evil.example",
  "/customers/%2e%2e/%2E%2E//evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  " /\t/evil.example",
  "/%09/evil.example",
  "/%5C%5Cevil.example",
  "/%5c%5cevil.example",
  "/%2F%2Fevil.example",
  "/%2f%2Fevil.example",
  "/%252F%252Fevil.example",
  "/..%2F..%2F/evil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "//evil.example",
  "///evil.example",
  "https://evil.example/",
  "HTTPS://evil.example/",
  "javascript:alert(1)",
];
