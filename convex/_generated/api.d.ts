/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as activity from "../activity.js";
import type * as crons from "../crons.js";
import type * as customers from "../customers.js";
import type * as files from "../files.js";
import type * as http from "../http.js";
import type * as imports from "../imports.js";
import type * as lib_activity from "../lib/activity.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_customerAccess from "../lib/customerAccess.js";
import type * as lib_customerCounts from "../lib/customerCounts.js";
import type * as lib_customerData from "../lib/customerData.js";
import type * as lib_customerFields from "../lib/customerFields.js";
import type * as lib_customerRules from "../lib/customerRules.js";
import type * as lib_customerWrites from "../lib/customerWrites.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_fileRules from "../lib/fileRules.js";
import type * as lib_noteRules from "../lib/noteRules.js";
import type * as lib_webToLead from "../lib/webToLead.js";
import type * as lib_weeks from "../lib/weeks.js";
import type * as lib_workspaces from "../lib/workspaces.js";
import type * as migrations from "../migrations.js";
import type * as notes from "../notes.js";
import type * as webToLead from "../webToLead.js";
import type * as workspaces from "../workspaces.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  activity: typeof activity;
  crons: typeof crons;
  customers: typeof customers;
  files: typeof files;
  http: typeof http;
  imports: typeof imports;
  "lib/activity": typeof lib_activity;
  "lib/auth": typeof lib_auth;
  "lib/customerAccess": typeof lib_customerAccess;
  "lib/customerCounts": typeof lib_customerCounts;
  "lib/customerData": typeof lib_customerData;
  "lib/customerFields": typeof lib_customerFields;
  "lib/customerRules": typeof lib_customerRules;
  "lib/customerWrites": typeof lib_customerWrites;
  "lib/errors": typeof lib_errors;
  "lib/fileRules": typeof lib_fileRules;
  "lib/noteRules": typeof lib_noteRules;
  "lib/webToLead": typeof lib_webToLead;
  "lib/weeks": typeof lib_weeks;
  "lib/workspaces": typeof lib_workspaces;
  migrations: typeof migrations;
  notes: typeof notes;
  webToLead: typeof webToLead;
  workspaces: typeof workspaces;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  customerCounts: import("@convex-dev/aggregate/_generated/component.js").ComponentApi<"customerCounts">;
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
};
