/**
 * The typed data the suite's contracts verify, for ethers: the SDK's definitions (over `@miip/contracts`'s plain
 * data, packages/contracts/src/eip712.ts), re-exported for the tests, the scripts and the benches.
 */
export * from "../packages/sdk/src/eip712";
