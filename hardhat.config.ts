import { vars } from "hardhat/config";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";

import { PUBLIC_NETWORKS } from "./config/networks";
import { EVM_VERSION, SOLC_VERSION } from "./tasks/compiler";
import "./tasks/miip";
import "./tasks/node";
import "./tasks/packages";
import "./tasks/test";

/** Secrets come from `npx hardhat vars set NAME` or the environment; the config loads without them. */
function secret(name: string): string {
  return process.env[name] ?? vars.get(name, "");
}

const deployerKey = secret("DEPLOYER_PRIVATE_KEY");

/** Optimizer on; `runs` weighs deployment against calls (the suite is called far more often than deployed). */
function compilerSettings(runs: number) {
  return { optimizer: { enabled: true, runs }, evmVersion: EVM_VERSION, metadata: { bytecodeHash: "ipfs" } };
}

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: compilerSettings(10_000) }],
    overrides: {
      // The escrow is the suite's largest contract, in two implementations (the second reached by delegatecall):
      // at 10,000 runs each would pass the 24 KiB limit.
      "contracts/claims/ClaimEscrow.sol": { version: SOLC_VERSION, settings: compilerSettings(1_000) },
      "contracts/claims/ClaimEscrowExtension.sol": { version: SOLC_VERSION, settings: compilerSettings(1_000) },
      // The directory holds institutions, patients and the patient gateway: at 10,000 runs it would pass it too; the hot path (one member read) barely depends on runs.
      "contracts/registry/ParticipantRegistry.sol": { version: SOLC_VERSION, settings: compilerSettings(500) },
      "contracts/mocks/RegistryV2.sol": { version: SOLC_VERSION, settings: compilerSettings(500) },
      // The supply chain's hot implementation (custody, dispensing, readings, views) sits near the limit at 10,000
      // runs; its hot paths cost the same within a few gas at this setting (see bench/gas.json).
      "contracts/supply/SupplyChain.sol": { version: SOLC_VERSION, settings: compilerSettings(2_000) },
      // The device registry (models and their approval requests, devices, anchors, streams, monitoring, governed
      // restorations, provisioning keys) passes the size limit at 300 runs (249 bytes left at 200: the next addition
      // moves cold paths into an extension, as the supply chain does); the daily anchor, its hot path, is measured
      // against its target at this setting (bench/gas.json).
      "contracts/devices/DeviceRegistry.sol": { version: SOLC_VERSION, settings: compilerSettings(200) },
    },
  },
  networks: {
    hardhat: {
      hardfork: EVM_VERSION,
      // MIIP_CHAIN_ID starts a local node with another chain's id, to rehearse that chain's deployment checks.
      chainId: Number(process.env.MIIP_CHAIN_ID ?? 31337),
      // Hardhat's default test mnemonic; 30 accounts so that every role of config/localAccounts.ts has its own.
      accounts: { count: 30 },
    },
    localhost: {
      // MIIP_LOCALHOST_URL lets the tests (and a second node) use another port.
      url: process.env.MIIP_LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    ...Object.fromEntries(
      Object.entries(PUBLIC_NETWORKS).map(([name, { chainId, rpc }]) => [
        name,
        { url: secret(rpc) || `https://${name}.invalid`, chainId, accounts: deployerKey ? [deployerKey] : [] },
      ]),
    ),
  },
  etherscan: {
    // One Etherscan key verifies on every chain Etherscan serves (its v2 API, by chain id).
    apiKey: secret("ETHERSCAN_API_KEY"),
    // hardhat-verify knows Sepolia and Arbitrum Sepolia; OP Sepolia is added here (v2 uses only its chain id).
    customChains: [
      {
        network: "op-sepolia",
        chainId: 11155420,
        urls: {
          apiURL: "https://api-sepolia-optimistic.etherscan.io/api",
          browserURL: "https://sepolia-optimism.etherscan.io",
        },
      },
    ],
  },
  sourcify: { enabled: false },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
  },
  mocha: {
    timeout: 120_000,
    // `npm test` runs its files in two workers (`hardhat test --parallel`), each with its own in-process network
    // and fixtures: on a 2-core machine about a minute instead of two. The end-to-end tests run one file at a time.
    jobs: 2,
  },
  paths: {
    sources: "./contracts",
    tests: "./test",
    cache: "./cache",
    artifacts: "./artifacts",
    // Ignition's journals go to <ignition>/deployments; tests point MIIP_IGNITION at a temporary folder.
    ignition: process.env.MIIP_IGNITION ?? "./deploy",
  },
};

export default config;
