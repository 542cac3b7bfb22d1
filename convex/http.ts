/** HTTP actions, served on the deployment's site URL (`*.convex.site`; the local backend's site port). */
import { httpRouter } from "convex/server";
import { LEADS_PATH } from "./lib/webToLead";
import { postLead, preflightLead } from "./webToLead";

const http = httpRouter();

http.route({ pathPrefix: LEADS_PATH, method: "POST", handler: postLead });
http.route({ pathPrefix: LEADS_PATH, method: "OPTIONS", handler: preflightLead });

export default http;
