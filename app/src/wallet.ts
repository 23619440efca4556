/**
 * Wallets: an injected EIP-1193 provider (MetaMask and the like) on any network, or, on the local node, one of its
 * seeded demo accounts. Either way the app gets an ethers signer; patient actions are then signed here and sent by
 * the relayer, institutions' transactions sent by their own wallet.
 */
import { BaseWallet, BrowserProvider, JsonRpcProvider, type Signer, SigningKey } from "ethers";

import type { AppConfig, LocalAccount } from "./config.ts";
import { WrongNetworkError } from "./errors.ts";

/** An EIP-1193 provider as wallets inject it. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

declare global {
  interface Window {
    ethereum?: Eip1193;
  }
}

export function injectedWallet(): Eip1193 | undefined {
  return typeof window !== "undefined" ? window.ethereum : undefined;
}

/** A read-only provider for the deployment's chain: the configured node, or the injected wallet's. */
export function readProvider(config: AppConfig) {
  if (config.rpcUrl)
    return new JsonRpcProvider(config.rpcUrl, config.chainId, {
      staticNetwork: true,
      polling: true,
      pollingInterval: 250,
    });
  const injected = injectedWallet();
  if (!injected) throw new Error("no RPC URL in config.json and no wallet in this browser");
  return new BrowserProvider(injected, config.chainId);
}

/** Connects the injected wallet: asks for its accounts, and refuses another chain (offering to switch first). */
export async function connectInjected(config: AppConfig): Promise<Signer> {
  const injected = injectedWallet();
  if (!injected) throw new Error("no injected wallet");
  await injected.request({ method: "eth_requestAccounts" });
  const provider = new BrowserProvider(injected, "any");
  const { chainId } = await provider.getNetwork();
  if (chainId !== BigInt(config.chainId)) {
    try {
      await injected.request({
        method: "wallet_switchEthereumChain",
        params: [{ chainId: `0x${config.chainId.toString(16)}` }],
      });
    } catch {
      throw new WrongNetworkError(chainId, config.chainId);
    }
    const switched = (await new BrowserProvider(injected, "any").getNetwork()).chainId;
    if (switched !== BigInt(config.chainId)) throw new WrongNetworkError(switched, config.chainId);
    return new BrowserProvider(injected, config.chainId).getSigner();
  }
  return provider.getSigner();
}

/** One of the local node's demo accounts, as a signer on the configured node. */
export function connectLocal(config: AppConfig, account: LocalAccount): Signer {
  if (!config.rpcUrl) throw new Error("local accounts need the node's RPC URL");
  // BaseWallet: a key and a provider, without the keystore encryption (aes-js, scrypt) a Wallet carries.
  return new BaseWallet(new SigningKey(account.privateKey), readProvider(config));
}
