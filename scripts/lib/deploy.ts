import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { DeploymentResultType, deploy as ignitionDeploy } from "@nomicfoundation/ignition-core";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import MIIPModule from "../../deploy/modules/MIIP";
import {
  ClaimEscrow__factory,
  ConsentManager__factory,
  INSSETToken__factory,
  ISTDistribution__factory,
  MIIPAccessManager__factory,
  ParticipantRegistry__factory,
  ProductRegistry__factory,
  RecordRegistry__factory,
  SupplyChain__factory,
  PackVerifier__factory,
  ResearchMarket__factory,
  CarePayments__factory,
  DeviceRegistry__factory,
  type ClaimEscrow,
  type ConsentManager,
  type INSSETToken,
  type ISTDistribution,
  type MIIPAccessManager,
  type ParticipantRegistry,
  type ProductRegistry,
  type RecordRegistry,
  type SupplyChain,
  type PackVerifier,
  type ResearchMarket,
  type CarePayments,
  type DeviceRegistry,
} from "../../typechain-types";
import { PUBLIC_NETWORKS } from "../../config/networks";
import { ROLES } from "../../config/roles";
import { type Deployment, parseDeployment } from "../../packages/sdk/src/deployment";
import { type ResolvedParameters, type SuiteSpec, resolveParameters } from "./parameters";

/** The deployed suite, typed. */
export interface Suite {
  manager: MIIPAccessManager;
  distribution: ISTDistribution;
  token: INSSETToken;
  participants: ParticipantRegistry;
  records: RecordRegistry;
  consent: ConsentManager;
  claims: ClaimEscrow;
  products: ProductRegistry;
  supply: SupplyChain;
  verifier: PackVerifier;
  market: ResearchMarket;
  payments: CarePayments;
  devices: DeviceRegistry;
  resolved: ResolvedParameters;
}

export interface DeployOptions {
  /** Folder the relative CSV paths of the spec start from. */
  baseDir: string;
  /** Where to write the claim's proofs file; nothing is written when absent. */
  outDir?: string;
  /** Name used in error messages. */
  source?: string;
  /** Show Ignition's progress output. */
  displayUi?: boolean;
  /** The listing time a previous run resolved `now` to; see ResolveContext.listingNow. */
  listingNow?: number;
  /** Where `env:NAME` addresses of the parameter file are read (default: the process environment). */
  env?: Record<string, string | undefined>;
  /** Ignition's deployment id, the journal's folder name (default: Ignition's `chain-<id>`). */
  deploymentId?: string;
}

/**
 * Deploys the suite through the `MIIP` Ignition module: checks the parameter file (nothing is sent if it is
 * refused, e.g. the deploying key as admin), builds the genesis claim's tree from the CSVs, deploys and wires
 * every contract, and puts governance under its delay (the module's last steps: see deploy/modules/MIIP.ts).
 */
export async function deploySuite(
  hre: HardhatRuntimeEnvironment,
  spec: SuiteSpec,
  options: DeployOptions,
): Promise<Suite> {
  const signers = await hre.ethers.getSigners();
  const deployer = signers[0];
  const latest = await hre.ethers.provider.getBlock("latest");
  const { chainId } = await hre.ethers.provider.getNetwork();
  const resolved = resolveParameters(
    spec,
    {
      deployer: deployer.address,
      accounts: signers.map((s) => s.address),
      now: latest?.timestamp ?? Math.floor(Date.now() / 1000),
      baseDir: options.baseDir,
      listingNow: options.listingNow,
      chainId: Number(chainId),
      env: options.env,
    },
    options.source,
  );

  const parameters = {
    IST: { genesis: resolved.genesis, treasurer: resolved.treasurer },
    Registry: resolved.registry,
    MIIP: { admin: resolved.admin, governorDelay: resolved.registry.governorDelay },
  };
  const addresses =
    hre.network.name === "hardhat"
      ? await deployInProcess(hre, parameters)
      : await deployWithJournal(hre, parameters, options.displayUi ?? false, options.deploymentId);

  const at = (key: keyof typeof MIIPModule.results) => addresses(key);
  const suite: Suite = {
    manager: MIIPAccessManager__factory.connect(at("manager"), deployer),
    distribution: ISTDistribution__factory.connect(at("distribution"), deployer),
    token: INSSETToken__factory.connect(at("token"), deployer),
    participants: ParticipantRegistry__factory.connect(at("participants"), deployer),
    records: RecordRegistry__factory.connect(at("records"), deployer),
    consent: ConsentManager__factory.connect(at("consent"), deployer),
    claims: ClaimEscrow__factory.connect(at("claims"), deployer),
    products: ProductRegistry__factory.connect(at("products"), deployer),
    supply: SupplyChain__factory.connect(at("supply"), deployer),
    verifier: PackVerifier__factory.connect(at("verifier"), deployer),
    market: ResearchMarket__factory.connect(at("market"), deployer),
    payments: CarePayments__factory.connect(at("payments"), deployer),
    devices: DeviceRegistry__factory.connect(at("devices"), deployer),
    resolved,
  };

  if (options.outDir !== undefined && resolved.claim !== undefined) {
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(
      path.join(options.outDir, "claim.proofs.json"),
      JSON.stringify(resolved.claim.proofs, null, 2) + "\n",
    );
  }
  return suite;
}

type ModuleParameters = Parameters<typeof ignitionDeploy>[0]["deploymentParameters"];
type AddressOf = (key: keyof typeof MIIPModule.results) => string;

/** On a network: Ignition's own deployment, with its journal (resumable, verifiable) and its progress output. */
async function deployWithJournal(
  hre: HardhatRuntimeEnvironment,
  parameters: ModuleParameters,
  displayUi: boolean,
  deploymentId: string | undefined,
): Promise<AddressOf> {
  const result = await hre.ignition.deploy(MIIPModule, { parameters, displayUi, deploymentId });
  const addresses = new Map<string, string>();
  for (const [key, contract] of Object.entries(result)) addresses.set(key, await contract.getAddress());
  return (key) => addresses.get(key)!;
}

/**
 * In the in-process node (tests, bench, demo): the same module, the same parameters, the same transactions, but
 * Ignition keeps no journal there, so nothing needs the compiler's build information; Hardhat's resolver reads
 * it anyway, about 6 MB of JSON per contract, which made each deployment take 15 seconds instead of one.
 */
async function deployInProcess(hre: HardhatRuntimeEnvironment, parameters: ModuleParameters): Promise<AddressOf> {
  const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  const result = await ignitionDeploy({
    // An in-process node mines each transaction at once: no need to poll for blocks every second.
    config: { blockPollingInterval: 1, requiredConfirmations: 1 },
    artifactResolver: {
      loadArtifact: (name: string) => hre.artifacts.readArtifact(name),
      getBuildInfo: async () => undefined,
    },
    provider: hre.network.provider,
    ignitionModule: MIIPModule,
    deploymentParameters: parameters,
    accounts,
    defaultSender: accounts[0],
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new Error(
      `the suite's deployment failed: ${JSON.stringify(result, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
    );
  }
  return (key) => result.contracts[MIIPModule.results[key].id].address;
}

/**
 * Writes `<outDir>/addresses.json`, the deployment file the SDK, the tasks and dApps read, and returns it.
 * `startBlock` is where the suite's history begins (event queries start there).
 */
export async function writeDeployment(suite: Suite, outDir: string, startBlock: number): Promise<Deployment> {
  const deployment = await deploymentOf(suite, startBlock);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "addresses.json"), JSON.stringify(deployment, null, 2) + "\n");
  return deployment;
}

/** The deployment file's content for a deployed suite. */
export async function deploymentOf(suite: Suite, startBlock: number): Promise<Deployment> {
  return parseDeployment({
    chainId: Number((await suite.token.runner!.provider!.getNetwork()).chainId),
    startBlock,
    listingTime: Number(suite.resolved.genesis.listingTime),
    MIIPAccessManager: await suite.manager.getAddress(),
    ISTDistribution: await suite.distribution.getAddress(),
    INSSETToken: await suite.token.getAddress(),
    ParticipantRegistry: await suite.participants.getAddress(),
    RecordRegistry: await suite.records.getAddress(),
    ConsentManager: await suite.consent.getAddress(),
    ClaimEscrow: await suite.claims.getAddress(),
    ProductRegistry: await suite.products.getAddress(),
    SupplyChain: await suite.supply.getAddress(),
    PackVerifier: await suite.verifier.getAddress(),
    ResearchMarket: await suite.market.getAddress(),
    CarePayments: await suite.payments.getAddress(),
    DeviceRegistry: await suite.devices.getAddress(),
  });
}

/**
 * Ignition's journal folder for a network: a public network's is Ignition's own `chain-<id>` (what `hardhat ignition
 * verify` reads); any other network's is named after the network too (`localhost-31337`), so that rehearsing a
 * public network's deployment on a local node with its chain id (MIIP_CHAIN_ID=11155111) never writes, nor resets,
 * the real deployment's journal.
 */
export function journalId(network: string, chainId: number): string {
  return network in PUBLIC_NETWORKS ? `chain-${chainId}` : `${network}-${chainId}`;
}

/**
 * Ignition's journal for a chain remembers what it deployed there; after a local node restarts, the chain is new
 * but the journal is not, and Ignition would read contracts that are not there ("could not decode result data").
 * Returns the one-line reason and fix when the journal names a contract with no code on the chain, else undefined.
 * A public chain does not restart: there, the likelier cause is an RPC URL that points at another chain.
 */
export async function staleJournal(
  journal: string,
  provider: { getCode(address: string): Promise<string> },
  network = "localhost",
): Promise<string | undefined> {
  const file = path.join(journal, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  const deployed = Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
  for (const [future, address] of deployed) {
    if ((await provider.getCode(address)) === "0x") {
      const found = `Ignition's journal ${journal} records ${future} at ${address}, which this chain does not hold`;
      return network in PUBLIC_NETWORKS
        ? `${found}: check that ${network}'s RPC URL points at ${network}; the journal of a public deployment is never reset for you`
        : `${found} (a local node restarted since?): rerun with MIIP_RESET=1 to start the journal over, or delete ${journal}`;
    }
  }
  return undefined;
}
