import { getAddress, isAddress } from "ethers";

/** The contracts of a deployment, by the names `deploy/deployments/<network>/addresses.json` uses. */
export const CONTRACT_NAMES = [
  "MIIPAccessManager",
  "ISTDistribution",
  "INSSETToken",
  "ParticipantRegistry",
  "RecordRegistry",
  "ConsentManager",
  "ClaimEscrow",
  "ProductRegistry",
  "SupplyChain",
  "PackVerifier",
  "ResearchMarket",
  "CarePayments",
  "DeviceRegistry",
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];

/**
 * Where a deployment of the suite lives: the file `npm run deploy:<network>` (and the seeded `npm run node`)
 * writes to `deploy/deployments/<network>/addresses.json`, and that dApps ship with.
 */
export type Deployment = {
  /** The chain it was deployed on; the client refuses a provider on another chain. */
  chainId: number;
  /** The block the suite was deployed in: history queries start there instead of at genesis. */
  startBlock: number;
  /** The IST listing time the deployment resolved (unix seconds). */
  listingTime?: number;
} & Record<ContractName, string>;

/** A deployment file that cannot be used, with what is wrong in it. */
export class DeploymentError extends Error {
  override readonly name = "DeploymentError";
}

/**
 * Checks a parsed deployment file and returns it with checksummed addresses. Throws {@link DeploymentError}
 * naming the first missing or malformed entry.
 */
export function parseDeployment(value: unknown, source = "deployment"): Deployment {
  if (typeof value !== "object" || value === null) throw new DeploymentError(`${source}: not a JSON object`);
  const raw = value as Record<string, unknown>;
  const chainId = raw.chainId;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new DeploymentError(`${source}: chainId must be a positive integer, got ${JSON.stringify(chainId)}`);
  }
  const startBlock = raw.startBlock ?? 0;
  if (typeof startBlock !== "number" || !Number.isSafeInteger(startBlock) || startBlock < 0) {
    throw new DeploymentError(`${source}: startBlock must be a block number, got ${JSON.stringify(startBlock)}`);
  }
  const listingTime = raw.listingTime;
  if (listingTime !== undefined && (typeof listingTime !== "number" || !Number.isSafeInteger(listingTime))) {
    throw new DeploymentError(`${source}: listingTime must be unix seconds, got ${JSON.stringify(listingTime)}`);
  }
  const addresses = {} as Record<ContractName, string>;
  for (const name of CONTRACT_NAMES) {
    const address = raw[name];
    if (typeof address !== "string" || !isAddress(address)) {
      throw new DeploymentError(`${source}: ${name} must be an address, got ${JSON.stringify(address)}`);
    }
    addresses[name] = getAddress(address);
  }
  return { chainId, startBlock, ...(listingTime === undefined ? {} : { listingTime }), ...addresses };
}
