import autocannon from "autocannon";
const cookie = (await import("node:fs")).readFileSync("/tmp/cookie.txt", "utf8").trim();
const r = await autocannon({ url: "http://127.0.0.1:3711/customers", connections: 20, duration: Number(process.argv[2] ?? 10), headers: { cookie, "sec-fetch-dest": "document" } });
console.log("req/s", r.requests.average, "p50", r.latency.p50, "p99", r.latency.p99, "non2xx", r.non2xx);
