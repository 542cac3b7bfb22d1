// Placeholder for contract scripts whose work lands in a later issue.
export {};
const [name, issue] = process.argv.slice(2);
console.error(`[clientele] \`npm run ${name}\` is not available yet (it lands with issue #${issue}).`);
process.exit(1);
