/**
 * Where the app finds its chain and services: `config.json` next to the page. `npm run app` serves one for the
 * seeded local node (with its demo accounts); a deployment to a real network ships its own, naming the chain, the
 * document service and the relayer (the contracts' addresses then come from `@miip/contracts` when not given).
 */

/** A seeded account of the local node: the picker's entries (Hardhat's public test keys, never real ones). */
export interface LocalAccount {
  name: string;
  address: string;
  privateKey: string;
}

export interface AppConfig {
  chainId: number;
  /** The chain's JSON-RPC URL, for reading (and for the local accounts); an injected wallet's own otherwise. */
  rpcUrl?: string;
  /** The deployment as config.json gives it; checked (or found in `@miip/contracts`) when the SDK loads. */
  deployment?: unknown;
  /** The document service (blocks, key shares, published keys). */
  documentsUrl: string;
  /** The relayer that pays for patients' actions. */
  relayerUrl: string;
  /** The local node's demo accounts (only on a local chain). */
  accounts?: LocalAccount[];
}

/** The chains whose demo accounts the picker offers: the local Hardhat node's. */
export const LOCAL_CHAINS = new Set([31337]);

/** Reads and checks `config.json`; an Error naming what is wrong. */
export async function loadConfig(url = "./config.json"): Promise<AppConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const raw = (await response.json()) as Partial<AppConfig>;
  if (!Number.isSafeInteger(raw.chainId)) throw new Error("chainId is missing");
  for (const key of ["documentsUrl", "relayerUrl"] as const) {
    if (typeof raw[key] !== "string" || !/^https?:\/\//.test(raw[key]!)) throw new Error(`${key} is not a URL`);
  }
  return {
    chainId: raw.chainId!,
    rpcUrl: raw.rpcUrl,
    deployment: raw.deployment,
    documentsUrl: raw.documentsUrl!,
    relayerUrl: raw.relayerUrl!,
    // Keys in a page are test keys: only a local chain's (Hardhat's 31337) are offered, whatever config.json says.
    accounts: Array.isArray(raw.accounts) && LOCAL_CHAINS.has(raw.chainId!) ? raw.accounts : undefined,
  };
}
